package clubshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// registerCategories adds the admins' category routes besides creation:
// the list with club counts, rename or reorder, delete.
func registerCategories(api huma.API, h handlers) {
	admin := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-club-categories", Method: http.MethodGet, Path: "/admin/club-categories",
		Summary: "Club categories in their order with their club counts (admins)", Tags: admin, Security: bearer}, h.adminCategories)
	huma.Register(api, huma.Operation{OperationID: "admin-update-club-category", Method: http.MethodPatch, Path: "/admin/club-categories/{id}",
		Summary: "Rename or reorder a club category (admins; audited; 409 club.name_taken for a name in use)", Tags: admin, Security: bearer}, h.updateCategory)
	huma.Register(api, huma.Operation{OperationID: "admin-delete-club-category", Method: http.MethodDelete, Path: "/admin/club-categories/{id}",
		Summary: "Delete a club category no club is filed under, of any status (admins; audited; 409 club.category_in_use otherwise)",
		Tags:    admin, Security: bearer, DefaultStatus: http.StatusNoContent}, h.deleteCategory)
}

// ClubAdminCategoryDTO is a club category with its club counts.
type ClubAdminCategoryDTO struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Sort            int       `json:"sort"`
	ClubCount       int       `json:"club_count" doc:"clubs of every status filed under it (pending, rejected and dissolved too); while above 0 it cannot be deleted"`
	ActiveClubCount int       `json:"active_club_count" doc:"its active clubs, those of the directory"`
	CreatedAt       time.Time `json:"created_at"`
}

type clubAdminCategoriesOut struct {
	Body struct {
		Items []ClubAdminCategoryDTO `json:"items"`
		Total int64                  `json:"total"`
	}
}

func (h handlers) adminCategories(ctx context.Context, _ *struct{}) (*clubAdminCategoriesOut, error) {
	list, err := h.svc.AdminCategories(ctx)
	if err != nil {
		return nil, err
	}
	out := &clubAdminCategoriesOut{}
	out.Body.Items = make([]ClubAdminCategoryDTO, len(list))
	for i, c := range list {
		out.Body.Items[i] = ClubAdminCategoryDTO{ID: c.ID, Name: c.Name, Sort: c.Sort, ClubCount: c.Clubs, ActiveClubCount: c.ActiveClubs, CreatedAt: c.CreatedAt}
	}
	out.Body.Total = int64(len(list))
	return out, nil
}

type clubCategoryPatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name *string `json:"name,omitempty" maxLength:"80"`
		Sort *int    `json:"sort,omitempty" minimum:"-1000" maximum:"1000"`
	}
}

func (h handlers) updateCategory(ctx context.Context, in *clubCategoryPatchIn) (*clubCategoryOut, error) {
	c, err := h.svc.UpdateCategory(ctx, in.ID, in.Body.Name, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &clubCategoryOut{Body: ClubCategoryDTO{ID: c.ID, Name: c.Name}}, nil
}

func (h handlers) deleteCategory(ctx context.Context, in *clubIdIn) (*struct{}, error) {
	return nil, h.svc.DeleteCategory(ctx, in.ID)
}
