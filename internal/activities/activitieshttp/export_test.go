package activitieshttp

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
)

// The export opens in Excel as Chinese text (BOM, header row) and values
// that would run as formulas are defused.
func TestParticipantsCSV(t *testing.T) {
	signed := time.Date(2030, 5, 1, 2, 3, 4, 0, time.UTC)
	checked := signed.Add(time.Hour)
	ex := &activities.Export{
		Activity: &activities.Activity{ID: "act-1"},
		Participants: []activities.Participant{
			{Signup: activities.Signup{UserID: "u1", Status: activities.SignupCheckedIn, CreatedAt: signed, CheckedInAt: &checked}, NoShowCount: 2},
			{Signup: activities.Signup{UserID: "u2", Status: activities.SignupWaitlisted, Position: 3, CreatedAt: signed}},
		},
		Nicknames: map[string]string{"u1": "=HYPERLINK(\"http://x\")", "u2": "-1+1"},
	}
	out, err := participantsCSV(ex)
	if err != nil {
		t.Fatal(err)
	}
	if out.ContentType != "text/csv; charset=utf-8" || out.ContentDisposition != `attachment; filename=participants-act-1.csv` {
		t.Fatalf("headers %q %q", out.ContentType, out.ContentDisposition)
	}
	body, ok := bytes.CutPrefix(out.Body, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"用户ID", "昵称", "状态", "候补位置", "报名时间（北京时间）", "签到时间（北京时间）", "缺席次数"},
		{"u1", "'=HYPERLINK(\"http://x\")", "已签到", "", "2030-05-01 10:03:04", "2030-05-01 11:03:04", "2"},
		{"u2", "'-1+1", "候补中", "3", "2030-05-01 10:03:04", "", "0"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Fatalf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	for _, v := range []string{"=1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"} {
		if got := cell(v); got != "'"+v {
			t.Fatalf("cell(%q) = %q", v, got)
		}
	}
	for _, v := range []string{"", "abc", "1-2", "李雷"} {
		if got := cell(v); got != v {
			t.Fatalf("cell(%q) = %q", v, got)
		}
	}
}
