package httpx

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

type jsonInner struct {
	A string `json:"a"`
	B *int   `json:"b,omitempty"`
}

type jsonEmbedded struct {
	Shared string `json:"shared"`
}

type jsonMarshaler struct{ v string }

func (m jsonMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(` { "wrapped" : "` + m.v + `" } `), nil
}

type jsonText struct{ v string }

func (t *jsonText) MarshalText() ([]byte, error) { return []byte("text:" + t.v), nil }

type jsonFixture struct {
	jsonEmbedded
	*jsonInner `json:"inner,omitempty"`
	Text       string            `json:"text"`
	Empty      string            `json:"empty,omitempty"`
	Times      []time.Time       `json:"times"`
	When       *time.Time        `json:"when"`
	Never      *time.Time        `json:"never,omitempty"`
	Floats     []float64         `json:"floats"`
	Ints       []int64           `json:"ints"`
	Map        map[string]any    `json:"map"`
	NilSlice   []string          `json:"nil_slice"`
	EmptySlice []string          `json:"empty_slice"`
	Raw        json.RawMessage   `json:"raw"`
	Custom     jsonMarshaler     `json:"custom"`
	TextPtr    *jsonText         `json:"text_ptr"`
	TextVal    jsonText          `json:"text_val"`
	Bytes      []byte            `json:"bytes"`
	Iface      any               `json:"iface"`
	Nested     []jsonInner       `json:"nested"`
	StrMap     map[string]string `json:"str_map"`
	Quoted     int               `json:"quoted,string"`
	Skipped    string            `json:"-"`
	unexported string
}

// The responses must be byte for byte what encoding/json writes (with HTML
// left unescaped, as huma's default format does): clients and the OpenAPI
// schema were made for those bytes.
func TestJSONFormatWritesWhatEncodingJSONWrites(t *testing.T) {
	one := 1
	at := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
	shanghai := at.In(time.FixedZone("CST", 8*3600))
	values := []any{
		jsonFixture{
			jsonEmbedded: jsonEmbedded{Shared: "共享"},
			jsonInner:    &jsonInner{A: "内", B: &one},
			Text:         "<a href=\"x&y\">周末篮球局</a> \u2028\u2029 \t\n\\ \x00 \xff\xfe 😀",
			Times:        []time.Time{at, shanghai, {}},
			When:         &at,
			Floats:       []float64{0, -0.0, 1, 31.2300000001, 1e21, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64},
			Ints:         []int64{0, -1, math.MaxInt64, math.MinInt64},
			Map:          map[string]any{"b": 1, "a": []any{"x", nil, true, 2.5}, "中": map[string]int{"z": 1, "y": 2}},
			EmptySlice:   []string{},
			Raw:          json.RawMessage(` {"k" :  [1, 2] } `),
			Custom:       jsonMarshaler{v: "c"},
			TextPtr:      &jsonText{v: "p"},
			TextVal:      jsonText{v: "v"},
			Bytes:        []byte("bytes\x00\xff"),
			Iface:        jsonInner{A: "i"},
			Nested:       []jsonInner{{A: "n1"}, {A: "n2", B: &one}},
			StrMap:       map[string]string{"<k>": "&v", "a": ""},
			Quoted:       42,
			Skipped:      "never",
			unexported:   "never",
		},
		&jsonFixture{},
		[]any{nil, "s", 1.5, map[string]any{}},
		map[string]any{"items": []jsonInner{}, "next_cursor": nil},
		"plain",
		nil,
	}
	f := jsonFormat()
	for i, v := range values {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("value %d: encoding/json: %v", i, err)
		}
		if err := f.Marshal(&got, v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("value %d differs:\n got %s\nwant %s", i, got.Bytes(), want.Bytes())
		}
	}
}
