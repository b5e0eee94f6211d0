package activitieshttp

import (
	"context"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
)

func registerCover(api huma.API, h handlers) {
	huma.Register(api, huma.Operation{OperationID: "upload-activity-cover", Method: http.MethodPost, Path: "/activities/{id}/cover",
		Summary: "Upload the cover image of a draft or published activity (JPEG, PNG or WebP; its organizer or an admin)",
		Tags:    []string{"Activities"}, Security: bearer, MaxBodyBytes: h.svc.MaxCoverBytes() + 64<<10}, h.cover)
}

type coverIn struct {
	ID      string `path:"id" maxLength:"64"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"image file"`
	}]
}

func (h handlers) cover(ctx context.Context, in *coverIn) (*activityOut, error) {
	f := in.RawBody.Data().File
	data, err := io.ReadAll(io.LimitReader(f, h.svc.MaxCoverBytes()+1))
	if err != nil {
		return nil, activities.ErrInvalidImage.Wrap(err)
	}
	a, err := h.svc.SetCover(ctx, in.ID, data)
	if err != nil {
		return nil, err
	}
	return h.show(ctx, a)
}
