package activitiesstore

import (
	"math"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/activities"
)

// hotEpoch is the origin of the hot score's time axis.
var hotEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// hotBump is the hot_score update of one sign-up at now.
//
// The hot sort ranks by Σ 2^(-(now-tᵢ)/HotHalfLife) over the sign-up times
// tᵢ. For every activity that sum is the same factor 2^(-now/HotHalfLife)
// times Σ e^xᵢ with xᵢ = ln 2·tᵢ/HotHalfLife, so the order never changes
// between sign-ups and the row only keeps hot_score = ln Σ e^xᵢ, updated
// as the log-sum-exp of the old score and the new xᵢ (which cannot
// overflow). An activity without sign-ups has 0, below any signed-up one.
func hotBump(now time.Time) clause.Expr {
	x := math.Ln2 * float64(now.Sub(hotEpoch)) / float64(activities.HotHalfLife)
	// Beyond a difference of 40, e^-40 is below float64 precision: the
	// larger term is the sum (and EXP never underflows).
	return gorm.Expr(`CASE
		WHEN hot_score >= ? + 40 THEN hot_score
		WHEN hot_score <= ? - 40 THEN ?
		WHEN hot_score >= ? THEN hot_score + LN(1 + EXP(? - hot_score))
		ELSE ? + LN(1 + EXP(hot_score - ?)) END`, x, x, x, x, x, x, x)
}
