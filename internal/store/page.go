package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

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
func List[T any](ctx context.Context, db *DB, filter func(q *bun.SelectQuery, a *Args) *bun.SelectQuery, idCol string, p Page) (items []T, more bool, total int, err error) {
	items = []T{}
	if !p.NoCount {
		a := db.Args()
		var n int
		if err := db.Select(ctx, filter(db.NewSelect().Model((*T)(nil)).ColumnExpr("count(*)"), a), a, &n); err != nil {
			return nil, false, 0, err
		}
		total = n
	}
	if p.NoRows {
		return items, false, total, nil
	}
	a := db.Args()
	q := filter(db.NewSelect().Model(&items), a)
	op, dir := " > ?", " ASC"
	if p.Desc {
		op, dir = " < ?", " DESC"
	}
	if p.After > 0 {
		q = q.Where(idCol+op, a.Value(p.After))
	}
	// One row beyond the page tells whether there is a next page.
	if err := db.Select(ctx, q.OrderExpr(idCol+dir).Limit(int64(p.First)+1), a, &items); err != nil {
		return nil, false, 0, err
	}
	if len(items) > p.First {
		items, more = items[:p.First], true
	}
	return items, more, total, nil
}

// ByIDs loads the rows of T with the given ids, keyed by id. Missing ids are
// absent from the map.
func ByIDs[T any](ctx context.Context, db *DB, ids []int64, id func(*T) int64) (map[int64]*T, error) {
	out := make(map[int64]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	a := db.Args()
	q := db.NewSelect().Model(&rows).Where("?", a.In("?TableAlias.id", ids))
	if cols := Narrowed[T](ctx); cols != nil {
		q = q.Column(cols...)
	}
	if err := db.Select(ctx, q, a, &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		out[id(&rows[i])] = &rows[i]
	}
	return out, nil
}

type narrowKey struct{ t reflect.Type }

// Narrow asks the reads of rows of T made with the returned context (ByIDs,
// and the plan service's reads of a parent's children and pages) for the
// columns cols only; the others stay zero. The API narrows the reads behind
// a query to the columns its fields show (graph/columns.go): every column
// is a value PostgreSQL formats, sends and the server scans, and on a page
// of actions with their resources they are most of a read's cost. cols
// must hold the columns the reading code needs itself (ids, keys, the
// institution). Nil cols reads every column.
func Narrow[T any](ctx context.Context, cols []string) context.Context {
	if cols == nil {
		return ctx
	}
	return context.WithValue(ctx, narrowKey{reflect.TypeFor[T]()}, cols)
}

// Narrowed is what Narrow asked of reads of T with ctx: nil for every column.
func Narrowed[T any](ctx context.Context) []string {
	cols, _ := ctx.Value(narrowKey{reflect.TypeFor[T]()}).([]string)
	return cols
}

// SelectList is cols as a select list of the table aliased alias
// ("a.id, a.title"), or alias.* when cols is nil.
func SelectList(alias string, cols []string) string {
	if cols == nil {
		return alias + ".*"
	}
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + "." + c)
	}
	return b.String()
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
//
// On SQLite its values are bound (Args), so that the statement, with the
// touch triggers it compiles, is prepared once.
func UpdateVersioned(ctx context.Context, tx bun.IDB, model any, id int64, expected int, version *int, cols ...string) error {
	var (
		res sql.Result
		err error
	)
	if db := sqliteOf(tx); db != nil {
		a := db.TxArgs(tx)
		q := tx.NewUpdate().Model(model)
		strct := reflect.ValueOf(model).Elem()
		table, gen := db.Table(strct.Type()), db.QueryGen()
		for _, c := range cols {
			f, ok := table.FieldMap[c]
			if !ok {
				return fmt.Errorf("store: %s has no column %q", table.TypeName, c)
			}
			q = q.Set("? = ?", bun.Ident(c), a.literal(f.AppendValue(gen, nil, strct)))
		}
		q = q.Set("version = version + 1").Where("id = ?", a.Value(id)).Where("version = ?", a.Value(expected))
		res, err = db.ExecBound(ctx, q, a)
	} else {
		res, err = tx.NewUpdate().Model(model).Column(cols...).
			Set("version = version + 1").
			Where("id = ?", id).Where("version = ?", expected).Exec(ctx)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return staleVersion(ctx, tx, model, id, expected)
	}
	*version = expected + 1
	return nil
}

// Insert inserts the row model points to and sets its id, as bun's
// Insert does. On SQLite its values are bound (Args), so that the
// statement, with the touch triggers it compiles, is prepared once for
// each set of columns left to their defaults.
func Insert(ctx context.Context, tx bun.IDB, model any) error {
	db := sqliteOf(tx)
	if db == nil {
		_, err := tx.NewInsert().Model(model).Exec(ctx)
		return err
	}
	a := db.TxArgs(tx)
	q := tx.NewInsert().Model(model)
	strct := reflect.ValueOf(model).Elem()
	table, gen := db.Table(strct.Type()), db.QueryGen()
	if len(table.PKs) != 1 || !table.PKs[0].AutoIncrement {
		return fmt.Errorf("store: Insert of %s, whose key is not one generated id", table.TypeName)
	}
	pk := table.PKs[0]
	for _, f := range table.Fields {
		if f == pk {
			continue
		}
		// A column bun leaves to its default stays bun's (InsertQuery's
		// marshalsToDefault): the text then varies only with which
		// columns are left so. A NULL is bound.
		fv := f.Value(strct)
		if toDefault := (f.IsPtr && fv.IsNil()) || (f.IsZero(fv) && (f.NullZero || f.SQLDefault != "")); toDefault && (f.NotNull || f.SQLDefault != "") {
			continue
		}
		q = q.Value(f.Name, "?", a.literal(f.AppendValue(gen, nil, strct)))
	}
	return db.Select(ctx, q.Returning("?", bun.Ident(pk.Name)), a, pk.Value(strct).Addr().Interface())
}

// sqliteOf is the DB of idb when it is on SQLite, where UpdateVersioned
// and Insert bind their values; nil otherwise, without looking the handle
// up on PostgreSQL.
func sqliteOf(idb bun.IDB) *DB {
	if idb.Dialect().Name() != dialect.SQLite {
		return nil
	}
	return Of(idb)
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
