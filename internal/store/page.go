package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Page asks for First rows after the row with id After (0: from the start),
// in id order.
type Page struct {
	First int
	After int64
	// Desc pages newest (highest id) first; After then means "below".
	Desc bool
	// NoCount: the caller does not show the count of all rows, so it is
	// not counted. NoRows: it shows neither the rows nor whether more
	// follow (a connection asked only for its totalCount), so none is read.
	NoCount, NoRows bool
}

// List returns one page of T in id order, whether more rows follow, and the
// count of all rows that filter selects. filter adds the WHERE clauses; idCol
// names the id column as the query sees it (e.g. "u.id").
func List[T any](ctx context.Context, db bun.IDB, filter func(*bun.SelectQuery) *bun.SelectQuery, idCol string, p Page) (items []T, more bool, total int, err error) {
	items = []T{}
	if !p.NoCount {
		n, err := filter(db.NewSelect().Model((*T)(nil))).Count(ctx)
		if err != nil {
			return nil, false, 0, err
		}
		total = int(n)
	}
	if p.NoRows {
		return items, false, total, nil
	}
	q := filter(db.NewSelect().Model(&items))
	op, dir := " > ?", " ASC"
	if p.Desc {
		op, dir = " < ?", " DESC"
	}
	if p.After > 0 {
		q = q.Where(idCol+op, p.After)
	}
	// One row beyond the page tells whether there is a next page.
	if err := q.OrderExpr(idCol + dir).Limit(int64(p.First) + 1).Scan(ctx); err != nil {
		return nil, false, 0, err
	}
	if len(items) > p.First {
		items, more = items[:p.First], true
	}
	return items, more, total, nil
}

// ByIDs loads the rows of T with the given ids, keyed by id. Missing ids are
// absent from the map.
func ByIDs[T any](ctx context.Context, db bun.IDB, ids []int64, id func(*T) int64) (map[int64]*T, error) {
	out := make(map[int64]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := db.NewSelect().Model(&rows).Where("?TableAlias.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for i := range rows {
		out[id(&rows[i])] = &rows[i]
	}
	return out, nil
}

// Unique answers DUPLICATE at input.<col> when another row of table (not
// exceptID) has value in col.
func Unique(ctx context.Context, tx bun.IDB, table, col, value string, exceptID int64) error {
	ok, err := tx.NewSelect().Table(table).Where("? = ?", bun.Ident(col), value).Where("id <> ?", exceptID).Exists(ctx)
	if err != nil {
		return err
	}
	if ok {
		return errs.Newf(errs.Duplicate, []string{"input", col}, "error.duplicate", i18n.Data{"Field": col, "Value": value})
	}
	return nil
}

// EscapeLike escapes the LIKE wildcards of s (use with ESCAPE '\').
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateVersioned writes cols of model (a pointer to a row struct) when the
// stored version still is expected, and bumps the version by one. Zero rows
// updated means someone else changed (or deleted) the row first: CONFLICT,
// naming the version now stored, read in the same transaction, and the one
// the client sent.
func UpdateVersioned(ctx context.Context, tx bun.IDB, model any, id int64, expected int, version *int, cols ...string) error {
	res, err := tx.NewUpdate().Model(model).Column(cols...).
		Set("version = version + 1").
		Where("id = ?", id).Where("version = ?", expected).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return staleVersion(ctx, tx, model, id, expected)
	}
	*version = expected + 1
	return nil
}

// staleVersion is the CONFLICT answer to an update of the row id of
// model's table whose version is not sent.
func staleVersion(ctx context.Context, tx bun.IDB, model any, id int64, sent int) error {
	var stored int
	err := tx.NewSelect().Model(model).Column("version").Where("id = ?", id).Scan(ctx, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Newf(errs.Conflict, []string{"input", "expectedVersion"}, "error.conflictDeleted", i18n.Data{"Sent": sent})
	}
	if err != nil {
		return err
	}
	return errs.Stale(stored, sent)
}
