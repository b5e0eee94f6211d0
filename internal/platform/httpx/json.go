package httpx

import (
	"encoding/json"
	"io"

	"github.com/danielgtaylor/huma/v2"
	gojson "github.com/goccy/go-json"
)

// jsonFormat is the API's JSON format. Responses are written by go-json,
// which gives encoding/json's bytes (HTML left unescaped, as huma's default
// does) at a fraction of its cost: encoding a page of the activity list
// was a quarter of the list's CPU. Request bodies are read by
// encoding/json after the text checks of textJSON, so their errors stay
// those of the standard library.
func jsonFormat() huma.Format {
	return textJSON(huma.Format{
		Marshal: func(w io.Writer, v any) error {
			enc := gojson.NewEncoder(w)
			enc.SetEscapeHTML(false)
			return enc.Encode(v)
		},
		Unmarshal: json.Unmarshal,
	})
}
