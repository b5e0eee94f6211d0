package clubsstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

func (r categoryRow) category() clubs.Category {
	return clubs.Category{ID: r.ID, Name: r.Name, Sort: r.Sort, CreatedAt: r.CreatedAt.UTC()}
}

// categoryCount is a row of the grouped club count.
type categoryCount struct {
	CategoryID string
	Status     string
	N          int
}

// CategoryUses lists the categories in their order with the number of
// clubs (any status, and active ones) filed under each: one grouped count
// over clubs_category_idx.
func (s *Store) CategoryUses(ctx context.Context) ([]clubs.CategoryUse, error) {
	cats, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var counts []categoryCount
	if err := s.db.WithContext(ctx).Raw(`SELECT category_id, status, COUNT(*) AS n FROM clubs GROUP BY category_id, status`).
		Scan(&counts).Error; err != nil {
		return nil, fmt.Errorf("count clubs by category: %w", err)
	}
	all, active := map[string]int{}, map[string]int{}
	for _, c := range counts {
		all[c.CategoryID] += c.N
		if c.Status == string(clubs.StatusActive) {
			active[c.CategoryID] += c.N
		}
	}
	out := make([]clubs.CategoryUse, len(cats))
	for i, c := range cats {
		out[i] = clubs.CategoryUse{Category: c, Clubs: all[c.ID], ActiveClubs: active[c.ID]}
	}
	return out, nil
}

// loadCategory reads a category inside tx (ErrCategoryMissing when there
// is none).
func loadCategory(tx *gorm.DB, id string) (categoryRow, error) {
	var r categoryRow
	err := tx.Where("id = ?", id).Take(&r).Error
	if sqldb.IsNotFound(err) {
		return r, clubs.ErrCategoryMissing
	}
	if err != nil {
		return r, fmt.Errorf("load club category: %w", err)
	}
	return r, nil
}

// UpdateCategory renames and/or reorders a category with its audit row
// (before and after); ErrNameTaken when another category has the name.
func (s *Store) UpdateCategory(ctx context.Context, id string, name *string, sort *int) (*clubs.Category, error) {
	var out clubs.Category
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadCategory(tx, id)
		if err != nil {
			return err
		}
		after := before
		if name != nil {
			after.Name = *name
		}
		if sort != nil {
			after.Sort = *sort
		}
		err = tx.Model(&categoryRow{}).Where("id = ?", id).Updates(map[string]any{"name": after.Name, "sort": after.Sort}).Error
		if sqldb.IsUniqueViolation(err) {
			return clubs.ErrNameTaken.WithDetail("已有同名分类")
		}
		if err != nil {
			return fmt.Errorf("update club category: %w", err)
		}
		out = after.category()
		return audit.Record(ctx, tx, "club_category.update", "club_category", id, before, after)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteCategory deletes a category no club is filed under, with its
// audit row. The count gives the refusal its number; the foreign key of
// clubs.category_id refuses a club filed in the meantime.
func (s *Store) DeleteCategory(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := loadCategory(tx, id)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&clubRow{}).Where("category_id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("count clubs of category: %w", err)
		}
		if n > 0 {
			return clubs.ErrCategoryInUse.WithDetail(fmt.Sprintf("该分类下还有 %d 个社团（含待审核、已拒绝和已解散的），不能删除", n))
		}
		err = tx.Where("id = ?", id).Delete(&categoryRow{}).Error
		if sqldb.IsForeignKeyViolation(err) {
			return clubs.ErrCategoryInUse
		}
		if err != nil {
			return fmt.Errorf("delete club category: %w", err)
		}
		return audit.Record(ctx, tx, "club_category.delete", "club_category", id, before, nil)
	})
}
