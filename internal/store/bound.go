package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// ---------------------------------------------------------------- bound arguments

// Args holds the arguments of one statement built with bun. They are sent
// apart from its text ($1, $2, … on PostgreSQL, ?1, ?2, … on SQLite), so
// that the text is the same whatever the values: the statement is then
// prepared once per connection and kept, where a statement with its
// arguments written into its text is parsed again every time.
//   - On PostgreSQL (pgx's statement cache) its plan is kept too: parsing
//     and planning were about half of what PostgreSQL spent on a page's
//     statements.
//   - On SQLite (Prepared), only in a transaction (TxArgs): preparing a
//     statement also compiles the touch triggers of the table it writes
//     (migrations/touch.go); preparing was ~30 % of the server's CPU
//     under record-progress, most of it while holding the database's
//     single write lock.
type Args struct {
	pg bool
	// bind: the values are sent apart from the text (always on
	// PostgreSQL; on SQLite in a transaction, see TxArgs).
	bind bool
	// inline: a value was written into the text (an id list on SQLite),
	// so the text is not worth keeping prepared.
	inline bool
	// hot: a read every request runs (HotArgs).
	hot bool
	// tx, when set, is the transaction the statement runs in.
	tx   *sql.Tx
	vals []any
}

// Args starts the arguments of a statement to run with Select or
// ExecBound outside a transaction.
func (db *DB) Args() *Args { return &Args{pg: db.Postgres, bind: db.Postgres} }

// HotArgs starts the arguments of a read that every request runs outside
// a transaction (the session behind a bearer token). On SQLite it is
// bound too, and kept prepared on the reading connections: preparing the
// session's statement was ~6 % of the server's CPU under record-progress.
// Only a few such texts are worth keeping there (see TxArgs).
func (db *DB) HotArgs() *Args {
	return &Args{pg: db.Postgres, bind: true, hot: !db.Postgres}
}

// TxArgs starts the arguments of a statement to run in tx (a bun.Tx;
// any other handle runs it outside a transaction, as Args does). On
// SQLite only these are bound: a transaction there holds the database's
// single write lock, so what it spends preparing its statements every
// other writer waits for. Reads outside one keep their values in the
// text: measured under the mixed load, binding them cost ~5 % more CPU
// per request, not less.
//
// On SQLite a transaction binds only when Tx runs it, on the writer's
// connection, where its statements are kept (DB.w).
func (db *DB) TxArgs(tx bun.IDB) *Args {
	a := db.Args()
	if t, ok := tx.(bun.Tx); ok {
		a.tx, a.bind = t.Tx, db.Postgres || (db.w != nil && t.NewSelect().DB().DB == db.w.DB)
	}
	return a
}

// param is the placeholder of the nth argument: $n on PostgreSQL, ?n on
// SQLite.
type param struct {
	n      int
	sqlite bool
}

func (p param) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	c := byte('$')
	if p.sqlite {
		c = '?'
	}
	return strconv.AppendInt(append(b, c), int64(p.n), 10), nil
}

// sqliteTime is how bun writes a time on SQLite; a bound time is sent as
// the same text, so that a value compares with the stored ones (SQLite
// compares times as text) whether it was bound or written by bun.
const sqliteTime = "2006-01-02 15:04:05.999999-07:00"

// Value is v as an argument of the statement, to pass to a "?" of bun.
func (a *Args) Value(v any) any {
	if !a.bind {
		return v
	}
	if !a.pg {
		switch t := v.(type) {
		case time.Time:
			v = t.UTC().Format(sqliteTime)
		case *time.Time:
			if t != nil {
				v = t.UTC().Format(sqliteTime)
			}
		}
	}
	a.vals = append(a.vals, v)
	return param{len(a.vals), !a.pg}
}

// In is the condition that col holds one of ids: "col = ANY($n)" with the
// ids as one array argument on PostgreSQL, "col IN (…)" on SQLite (which
// has no arrays). col is SQL from the code (bun's ?TableAlias included),
// never from a client.
func (a *Args) In(col string, ids []int64) schema.QueryWithArgs {
	if !a.pg {
		a.inline = a.bind
		return bun.SafeQuery(col+" IN (?)", bun.List(ids))
	}
	return bun.SafeQuery(col+" = ANY(?)", a.Value(ids))
}

// literal binds the value of a literal bun wrote (Field.AppendValue), so
// that what is stored is what bun would have stored: the database reads
// the bound text or number as it reads the literal. A literal it cannot
// read back (a blob) stays in the text.
func (a *Args) literal(lit []byte) any {
	s := string(lit)
	if !a.bind {
		return bun.Safe(s)
	}
	switch {
	case s == "NULL":
		return a.Value(nil)
	case s == "TRUE" || s == "FALSE":
		return a.Value(s == "TRUE")
	case len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'':
		return a.Value(strings.ReplaceAll(s[1:len(s)-1], "''", "'"))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return a.Value(n)
	}
	// bun writes a float in its shortest exact form, which reads back as
	// the same float64.
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.Trim(s, "-0123456789.e+") == "" {
		return a.Value(f)
	}
	a.inline = true
	return bun.Safe(s)
}

// scan reads rows into dest as bun's Scan does: a slice gets every row;
// a struct or values get the first, and sql.ErrNoRows when there is none.
func (db *DB) scan(ctx context.Context, rows *sql.Rows, dest []any) error {
	if len(dest) == 1 {
		if t := reflect.TypeOf(dest[0]); t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Slice {
			return db.ScanRows(ctx, rows, dest...)
		}
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return db.ScanRow(ctx, rows, dest...)
}

// statement is what Select runs: a bun query, raw or built.
type statement interface {
	String() string
	Scan(ctx context.Context, dest ...any) error
}

// Select runs q, whose arguments are a, and scans its rows into dest as
// bun's Scan does. It counts and logs the statement like bun's own.
func (db *DB) Select(ctx context.Context, q statement, a *Args, dest ...any) error {
	if len(a.vals) == 0 {
		return q.Scan(ctx, dest...)
	}
	return db.prepared(ctx, a, q.String(), dest)
}

// SelectKept runs q, whose arguments are written into its text, as Select
// runs a statement with bound arguments: on PostgreSQL prepared once per
// connection and its plan kept. For a statement that is dear to
// plan and whose text repeats as it is (the gap rules' union of an
// institution).
func (db *DB) SelectKept(ctx context.Context, q statement, dest ...any) error {
	if !db.Postgres {
		return q.Scan(ctx, dest...)
	}
	return db.prepared(ctx, db.Args(), q.String(), dest)
}

// ExecBound runs q, whose arguments are a, for its effect, as Select runs
// a query.
func (db *DB) ExecBound(ctx context.Context, q fmt.Stringer, a *Args) (sql.Result, error) {
	text := q.String()
	db.queries.Add(1)
	start := time.Now()
	var (
		res sql.Result
		err error
	)
	switch st := db.keep(ctx, a, text); {
	case st != nil:
		res, err = st.ExecContext(ctx, a.vals...)
		if a.tx != nil {
			_ = st.Close()
		}
	case a.tx != nil:
		res, err = a.tx.ExecContext(ctx, text, db.driverArgs(a)...)
	default:
		res, err = db.DB.DB.ExecContext(ctx, text, db.driverArgs(a)...)
	}
	if db.slow != nil {
		db.slow.after(ctx, start, text, a.vals)
	}
	return res, err
}

// driverArgs are a's values as the driver takes them: on PostgreSQL led
// by pgx's statement cache mode.
func (db *DB) driverArgs(a *Args) []any {
	if db.Postgres {
		return append([]any{pgx.QueryExecModeCacheStatement}, a.vals...)
	}
	return a.vals
}

// keep is, on SQLite, text prepared and kept (Prepared), ready to run in
// a's transaction; nil on PostgreSQL, whose driver keeps its statements
// itself, and when text is not worth keeping. The caller closes it.
func (db *DB) keep(ctx context.Context, a *Args, text string) *sql.Stmt {
	if db.Postgres || a.inline || !a.bind {
		return nil
	}
	if a.hot {
		return db.hot.get(ctx, db.DB.DB, text)
	}
	st := db.stmts.get(ctx, db.w.DB, text)
	if st == nil {
		return nil
	}
	if a.tx != nil {
		// The transaction's copy uses the statement its connection
		// prepared before, if it did.
		return a.tx.StmtContext(ctx, st)
	}
	return st
}

// prepared runs text with a's arguments, prepared and kept (keep; on
// PostgreSQL pgx's statement cache), counted and logged like bun's
// statements.
func (db *DB) prepared(ctx context.Context, a *Args, text string, dest []any) error {
	db.queries.Add(1)
	start := time.Now()
	var (
		rows *sql.Rows
		err  error
	)
	st := db.keep(ctx, a, text)
	if fields := db.plainRows(dest); fields != nil && a.tx == nil {
		err = db.selectPlain(ctx, text, a.vals, dest[0], fields)
	} else {
		switch {
		case st != nil:
			rows, err = st.QueryContext(ctx, a.vals...)
		case a.tx != nil:
			rows, err = a.tx.QueryContext(ctx, text, db.driverArgs(a)...)
		default:
			rows, err = db.DB.DB.QueryContext(ctx, text, db.driverArgs(a)...)
		}
		if err == nil {
			err = db.scan(ctx, rows, dest)
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
		}
	}
	if st != nil && a.tx != nil {
		_ = st.Close()
	}
	if db.slow != nil {
		db.slow.after(ctx, start, text, a.vals)
	}
	return err
}

// maxPrepared bounds the statements kept prepared on SQLite. Their texts
// come from the code, with placeholders for the values, so they are few;
// past the bound a statement is prepared for each run, as bun's are.
const maxPrepared = 256

// Prepared keeps SQLite statements prepared by text. The driver prepares
// every statement it is given as text anew; a *sql.Stmt is prepared once
// on each connection that runs it and kept there.
type Prepared struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get is text prepared and kept, or nil when the bound is reached or it
// does not prepare (the caller then runs it as text and gets the error).
func (p *Prepared) get(ctx context.Context, sdb *sql.DB, text string) *sql.Stmt {
	p.mu.Lock()
	st, ok := p.m[text]
	full := len(p.m) >= maxPrepared
	p.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := sdb.PrepareContext(ctx, text)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.m[text]; ok {
		_ = st.Close()
		return old
	}
	if p.m == nil {
		p.m = map[string]*sql.Stmt{}
	}
	p.m[text] = st
	return st
}

// close closes the statements kept.
func (p *Prepared) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.m {
		_ = st.Close()
	}
	p.m = nil
}

// plainTypes are the field types pgx scans into directly, as pointers or
// values.
var plainTypes = map[reflect.Type]bool{
	reflect.TypeFor[int64]():     true,
	reflect.TypeFor[int]():       true,
	reflect.TypeFor[int32]():     true,
	reflect.TypeFor[string]():    true,
	reflect.TypeFor[float64]():   true,
	reflect.TypeFor[bool]():      true,
	reflect.TypeFor[time.Time](): true,
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// plainFields is, for a struct type, its fields by column name when every
// one of them can be scanned by pgx itself: a plain type or a sql.Scanner,
// behind a pointer when the column may be NULL. Nil when one cannot (JSON
// written as text, say): bun scans those.
var plainFields sync.Map // reflect.Type → map[string]*schema.Field (nil: not plain)

// plainRows is the fields of dest's rows when dest is a pointer to a
// slice of structs whose every field is plain (plainFields), else nil.
func (db *DB) plainRows(dest []any) map[string]*schema.Field {
	if !db.Postgres || len(dest) != 1 {
		return nil
	}
	t := reflect.TypeOf(dest[0])
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Slice || t.Elem().Elem().Kind() != reflect.Struct {
		return nil
	}
	el := t.Elem().Elem()
	if v, ok := plainFields.Load(el); ok {
		m, _ := v.(map[string]*schema.Field)
		return m
	}
	table := db.Table(el)
	m := make(map[string]*schema.Field, len(table.FieldMap))
	for name, f := range table.FieldMap {
		ft := f.StructField.Type
		null := ft.Kind() == reflect.Pointer
		if null {
			ft = ft.Elem()
		}
		ok := (plainTypes[ft] || reflect.PointerTo(ft).Implements(scannerType)) && (null || f.NotNull || f.IsPK)
		if !ok {
			m = nil
			break
		}
		m[name] = f
	}
	plainFields.Store(el, m)
	return m
}

// selectPlain runs text with args through pgx's own interface and scans
// its rows straight into the fields of the slice dest points to: no
// database/sql conversions and no bun reflection per value, which were
// a quarter of the server's CPU on a page of actions with their
// resources.
func (db *DB) selectPlain(ctx context.Context, text string, args []any, dest any, fields map[string]*schema.Field) error {
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		rows, err := pc.Query(ctx, text, append([]any{pgx.QueryExecModeCacheStatement}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols := rows.FieldDescriptions()
		index := make([][]int, len(cols))
		for i, c := range cols {
			f := fields[c.Name]
			if f == nil {
				return fmt.Errorf("store: %s has no field for column %q", reflect.TypeOf(dest).Elem().Elem(), c.Name)
			}
			index[i] = f.Index
		}
		slice := reflect.ValueOf(dest).Elem()
		slice.SetLen(0)
		ptrs := make([]any, len(cols))
		for rows.Next() {
			slice.Grow(1)
			slice.SetLen(slice.Len() + 1)
			row := slice.Index(slice.Len() - 1)
			row.SetZero()
			for i, ix := range index {
				ptrs[i] = row.FieldByIndex(ix).Addr().Interface()
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
