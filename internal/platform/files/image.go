package files

import (
	"bytes"
	"image"
	_ "image/jpeg" // decoders for image validation
	_ "image/png"
	"net/http"
)

// imageTypes are the uploads accepted as images, by sniffed content type.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}

// MaxImageSide is the largest width or height SniffImage accepts.
const MaxImageSide = 8000

// SniffImage tells whether data is a JPEG, PNG or WebP image, from its
// content (never from what the client claims). JPEG and PNG headers are
// decoded too, so a file that only starts like an image is refused. It
// returns the content type and the file extension to store it under.
func SniffImage(data []byte) (contentType, ext string, ok bool) {
	ct := http.DetectContentType(data)
	ext, ok = imageTypes[ct]
	if !ok {
		return "", "", false
	}
	if ct != "image/webp" {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
			return "", "", false
		}
	}
	return ct, ext, true
}
