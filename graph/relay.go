package graph

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// MaxFirst is the largest page a client may ask for.
const MaxFirst = 500

// idOf decodes a global ID that must name an object of type typ; anything
// else is a NOT_FOUND user error at field.
func idOf(g string, typ gid.Kind, field ...string) (int64, error) {
	t, id, ok := gid.Decode(g)
	if !ok || t != typ {
		return 0, errs.Newf(errs.NotFound, field, "error.noSuchID", i18n.Data{"Type": typ.String(), "Name": strings.ToLower(typ.String())})
	}
	return id, nil
}

// idsOf decodes a list of global IDs of one type; each bad one is a
// NOT_FOUND user error at field.i.
func idsOf(gids []string, typ gid.Kind, field ...string) ([]int64, error) {
	var l errs.List
	out := make([]int64, 0, len(gids))
	for i, g := range gids {
		id, err := idOf(g, typ, append(append([]string{}, field...), strconv.Itoa(i))...)
		if u, ok := errs.AsUser(err); ok {
			l.UserErrors = append(l.UserErrors, u...)
			continue
		}
		out = append(out, id)
	}
	return out, l.Err()
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(id, 10)))
}

// page checks first and after. first above MaxFirst or below 0, or a cursor
// this API did not make, is BAD_USER_INPUT.
func page(first *int, after *string, def int) (store.Page, error) {
	p := store.Page{First: def}
	if first != nil {
		p.First = *first
	}
	if p.First < 0 || p.First > MaxFirst {
		return p, errs.BadInput{Message: "error.first", Args: i18n.Data{"Max": MaxFirst}}
	}
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		num, ok := strings.CutPrefix(string(b), "c:")
		id, perr := strconv.ParseInt(num, 10, 64)
		if err != nil || !ok || perr != nil || id < 0 {
			return p, errs.BadInput{Message: "error.badCursor"}
		}
		p.After = id
	}
	return p, nil
}

// asked marks what of a connection the operation does not show, from the
// selection of the connection field being resolved (fragments included):
// without totalCount nothing is counted, and without edges or pageInfo no
// row is read.
func asked(ctx context.Context, p store.Page) store.Page {
	total, rows := false, false
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "totalCount":
			total = true
		case "edges", "pageInfo":
			rows = true
		}
	}
	p.NoCount, p.NoRows = !total, !rows
	return p
}

// connect builds the edges and page info of one page of items.
func connect[T any, E any](items []T, more bool, p store.Page, id func(*T) int64, edge func(cursor string, node *T) E) ([]E, *store.PageInfo) {
	edges := make([]E, len(items))
	pi := &store.PageInfo{HasNextPage: more, HasPreviousPage: p.After > 0}
	for i := range items {
		c := encodeCursor(id(&items[i]))
		edges[i] = edge(c, &items[i])
		if i == 0 {
			pi.StartCursor = &c
		}
		if i == len(items)-1 {
			pi.EndCursor = &c
		}
	}
	return edges, pi
}
