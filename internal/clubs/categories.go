package clubs

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Club categories are managed by admins (admin and super_admin, like
// activity types and tags): added, listed with their club counts, renamed
// or reordered, and deleted. Every change is audited in its transaction.
//
// A category is deleted only while no club at all is filed under it —
// pending, rejected and dissolved clubs included: they keep their
// category (a dissolved club's page still shows it, and a rejected club
// may be edited and resubmitted under it), and the database's foreign key
// holds that line even against a club founded at the same moment. The
// refusal is 409 club.category_in_use; admins rename a category instead,
// or move its clubs first.

// MaxCategoryRunes bounds a category name.
const MaxCategoryRunes = 20

// categoryName trims and checks a category name.
func categoryName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxCategoryRunes {
		return "", ErrInvalidName.WithDetail("分类名称需 1–20 个字")
	}
	return name, nil
}

func requireAdmin(ctx context.Context) error {
	_, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin)
	return err
}

// AdminCategories lists the categories in their order with how many clubs
// each has (admins).
func (s *Service) AdminCategories(ctx context.Context) ([]CategoryUse, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.store.CategoryUses(ctx)
}

// UpdateCategory renames (name non-nil) or reorders (sort non-nil) a
// category (admins): the name stays unique (409 club.name_taken).
func (s *Service) UpdateCategory(ctx context.Context, id string, name *string, sort *int) (*Category, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if name != nil {
		n, err := categoryName(*name)
		if err != nil {
			return nil, err
		}
		name = &n
	}
	return s.store.UpdateCategory(ctx, id, name, sort)
}

// DeleteCategory removes a category no club is filed under (admins; 409
// club.category_in_use otherwise).
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	return s.store.DeleteCategory(ctx, id)
}
