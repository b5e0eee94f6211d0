package activitieshttp

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
)

// csvOut is a CSV download.
type csvOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// csvResponses documents the CSV body of an export operation.
func csvResponses() map[string]*huma.Response {
	return map[string]*huma.Response{"200": {
		Description: "UTF-8 CSV with a byte order mark and a Chinese header row",
		Content:     map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}},
	}}
}

// beijing is the time zone of the export's times (China has one, without
// daylight saving time).
func beijing() *time.Location { return time.FixedZone("CST", 8*60*60) }

// participantsCSV writes an export as CSV that Excel opens correctly: a
// UTF-8 byte order mark, then a header row in Chinese. Texts that a
// spreadsheet would run as a formula get a leading apostrophe.
func participantsCSV(ex *activities.Export) (*csvOut, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write([]string{"用户ID", "昵称", "状态", "候补位置", "报名时间（北京时间）", "签到时间（北京时间）", "缺席次数"})
	zone := beijing()
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(zone).Format(time.DateTime)
	}
	for i := range ex.Participants {
		p := &ex.Participants[i]
		pos := ""
		if p.Position > 0 {
			pos = strconv.Itoa(p.Position)
		}
		created := p.CreatedAt
		_ = w.Write([]string{cell(p.UserID), cell(ex.Nicknames[p.UserID]), cell(p.Status.Label()), pos, at(&created),
			at(p.CheckedInAt), strconv.Itoa(p.NoShowCount)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write participants csv: %w", err)
	}
	return &csvOut{
		ContentType:        "text/csv; charset=utf-8",
		ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": "participants-" + ex.Activity.ID + ".csv"}),
		CacheControl:       "no-store",
		Body:               buf.Bytes(),
	}, nil
}

// cell defuses CSV formula injection: a value a spreadsheet would treat
// as a formula (= + - @, or a leading tab or carriage return) is prefixed
// with an apostrophe so it is shown as text.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
