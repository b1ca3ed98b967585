package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/cockroachdb/apd/v3"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gendertrack/gendertrack/graph/model"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

// textLimit is the longest string one kind of argument or input field may
// hold (README.md, "Input limits").
type textLimit struct {
	kind string // message ID of the kind, for messages: "error.input.kind.name"
	max  int    // in characters (Unicode code points)
}

// The input limits. Services may apply a tighter limit to a field (an
// institution's name, 200), answered as a userError INVALID at the field;
// these bounds hold before anything runs, so that no larger string
// reaches a service or the database.
var (
	limitID       = textLimit{"error.input.kind.id", 256} // a gap flag's cursor holds its ID: about 220
	limitKey      = textLimit{"error.input.kind.key", 100}
	limitNumber   = textLimit{"error.input.kind.number", money.MaxNumberText}
	limitEmail    = textLimit{"error.input.kind.email", 254}
	limitPassword = textLimit{"error.input.kind.password", auth.MaxPasswordLen}
	limitSearch   = textLimit{"error.input.kind.search", 200}
	limitName     = textLimit{"error.input.kind.name", 300}
	limitText     = textLimit{"error.input.kind.text", 10_000}
	limitDocument = textLimit{"error.input.kind.document", 1 << 20}
)

// limitFor is the limit of a string sent as the argument or input field
// called name, of the scalar type scalar. A field of no listed kind is
// free text.
func limitFor(name, scalar string) textLimit {
	switch scalar {
	case "ID":
		return limitID
	case "Decimal":
		return limitNumber
	case "Date", "Time":
		return limitKey // and parsed strictly besides
	}
	switch name {
	case "email":
		return limitEmail
	case "password":
		return limitPassword
	case "search":
		return limitSearch
	case "document":
		return limitDocument
	case "name", "title", "acronym", "region", "genderFocalPoint", "accountable", "unit", "source", "label":
		return limitName
	case "after", "before":
		return limitID
	case "key", "country", "currency", "clientMutationId", "dimension", "category":
		return limitKey
	}
	switch {
	case strings.HasSuffix(name, "Key"), strings.HasSuffix(name, "Keys"), strings.HasSuffix(name, "Code"):
		return limitKey
	case strings.HasSuffix(name, "Name"), strings.HasSuffix(name, "Title"):
		return limitName
	}
	return limitText
}

// textProblem says what is wrong with s as a string of limit l, nil when
// nothing is. It never quotes s: it may be a password.
func textProblem(s string, l textLimit) *errs.Msg {
	if strings.IndexByte(s, 0) >= 0 {
		return &errs.Msg{ID: "error.input.nul"}
	}
	if !utf8.ValidString(s) {
		return &errs.Msg{ID: "error.input.utf8"}
	}
	if len(s) > l.max {
		if n := utf8.RuneCountInString(s); n > l.max {
			return &errs.Msg{ID: "error.input.tooLong", Args: i18n.Data{"Length": n, "Kind": errs.Msg{ID: l.kind}, "Max": l.max}}
		}
	}
	return nil
}

// clip cuts a value quoted back in a message to 40 characters, as %.40s
// does.
func clip(s string) string { return fmt.Sprintf("%.40s", s) }

// reason is the message of a scalar's refusal (an errs.BadInput), as a
// message to be given in the request's language.
func reason(err error) errs.Msg {
	var bad errs.BadInput
	if errors.As(err, &bad) {
		return errs.Msg{ID: bad.Message, Args: bad.Args}
	}
	return errs.Msg{ID: "error.invalidValue"}
}

// inputCheck refuses, before anything runs, the argument values that are
// the client's mistakes (RULES.md section 2): a string with a NUL
// character or invalid UTF-8, or longer than its kind's limit; a Date,
// Time or Decimal that does not read; a Decimal number literal that a
// float64 cannot hold exactly. It also refuses __schema and __type when
// introspection is off. Every refusal is a BAD_USER_INPUT error (or
// INTROSPECTION_DISABLED) with the path of the value at fault: for a
// literal, the field's response path, the argument and the input fields
// below it; for a variable, "variable", its name and the fields below it.
//
// It runs after the variables are coerced (an OperationContextMutator) and
// walks the operation once, in time linear in the document and the
// variables: each fragment is walked once however often it is spread, and
// each variable once per type and kind of position.
type inputCheck struct {
	introspection bool
	schema        *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*inputCheck)(nil)

func newInputCheck(introspection bool) *inputCheck { return &inputCheck{introspection: introspection} }

func (*inputCheck) ExtensionName() string { return "InputCheck" }

func (c *inputCheck) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

func (c *inputCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || c.schema == nil {
		return nil
	}
	w := &inputWalk{check: c, vars: oc.Variables, doc: oc.Doc}
	w.directives(oc.Operation.Directives, nil)
	w.selections(oc.Operation.SelectionSet, nil)
	return w.err
}

// inputWalk is one operation's walk.
type inputWalk struct {
	check *inputCheck
	vars  map[string]any
	doc   *ast.QueryDocument
	frags map[string]*ast.FragmentDefinition // by name, made on the first spread
	seen  map[string]bool                    // fragments walked, variables checked
	// field names the field (or @directive) whose argument is walked, and
	// argAt where the argument begins in the path, for messages.
	field string
	argAt int
	// variable is the variable being checked, "" in a literal.
	variable string
	err      *gqlerror.Error
}

func (w *inputWalk) once(key string) bool {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if w.seen[key] {
		return false
	}
	w.seen[key] = true
	return true
}

func (w *inputWalk) selections(set ast.SelectionSet, path ast.Path) {
	for _, sel := range set {
		if w.err != nil {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			p := append(path, ast.PathName(name))
			if !w.check.introspection && (s.Name == "__schema" || s.Name == "__type") {
				w.err = limitError("INTROSPECTION_DISABLED", "error.introspection", nil)
				w.err.Path, w.err.Locations = append(ast.Path(nil), p...), locations(s.Position)
				return
			}
			if s.Definition != nil {
				for _, a := range s.Arguments {
					if def := s.Definition.Arguments.ForName(a.Name); def != nil {
						w.argument(s.Name, a, def.Type, p)
					}
				}
			}
			w.directives(s.Directives, p)
			w.selections(s.SelectionSet, p)
		case *ast.InlineFragment:
			w.directives(s.Directives, path)
			w.selections(s.SelectionSet, path)
		case *ast.FragmentSpread:
			w.directives(s.Directives, path)
			if !w.once("fragment " + s.Name) {
				continue
			}
			if w.frags == nil {
				w.frags = make(map[string]*ast.FragmentDefinition, len(w.doc.Fragments))
				for _, f := range w.doc.Fragments {
					if _, dup := w.frags[f.Name]; !dup {
						w.frags[f.Name] = f
					}
				}
			}
			if f := w.frags[s.Name]; f != nil {
				w.directives(f.Directives, path)
				w.selections(f.SelectionSet, path)
			}
		}
	}
}

func (w *inputWalk) directives(list ast.DirectiveList, path ast.Path) {
	for _, d := range list {
		if w.err != nil {
			return
		}
		// The transports send each answer whole: a deferred or streamed
		// part would never be sent, and its fields would read null.
		if d.Name == "defer" || d.Name == "stream" {
			w.err = limitError("DIRECTIVE_NOT_SUPPORTED", "error.directiveUnsupported", i18n.Data{"Name": d.Name})
			w.err.Path, w.err.Locations = append(ast.Path(nil), path...), locations(d.Position)
			return
		}
		if d.Definition == nil {
			continue
		}
		for _, a := range d.Arguments {
			if def := d.Definition.Arguments.ForName(a.Name); def != nil {
				w.argument("@"+d.Name, a, def.Type, path)
			}
		}
	}
}

func (w *inputWalk) argument(field string, a *ast.Argument, typ *ast.Type, path ast.Path) {
	if w.err != nil {
		return
	}
	w.field, w.argAt = field, len(path)
	w.literal(a.Value, typ, a.Name, append(path, ast.PathName(a.Name)))
}

// literal checks a value written in the document, of type typ, sent as the
// argument or input field called name.
func (w *inputWalk) literal(v *ast.Value, typ *ast.Type, name string, path ast.Path) {
	if v == nil || typ == nil || w.err != nil {
		return
	}
	switch v.Kind {
	case ast.NullValue:
		return
	case ast.Variable:
		w.variableAt(v.Raw, typ, name)
		return
	}
	if typ.Elem != nil {
		if v.Kind != ast.ListValue { // a single value stands for a list of one
			w.literal(v, typ.Elem, name, path)
			return
		}
		for i, c := range v.Children {
			w.literal(c.Value, typ.Elem, name, append(path, ast.PathIndex(i)))
		}
		return
	}
	def := w.check.schema.Types[typ.NamedType]
	if def == nil {
		return
	}
	switch def.Kind {
	case ast.InputObject:
		for _, c := range v.Children {
			if f := def.Fields.ForName(c.Name); f != nil {
				w.literal(c.Value, f.Type, c.Name, append(path, ast.PathName(c.Name)))
			}
		}
	case ast.Scalar:
		// Validation has checked the literals of the built-in scalars, not
		// those of Date, Time and Decimal, which may be of any kind.
		x, err := v.Value(nil)
		if err != nil {
			w.fail(path, v.Position, errs.Msg{ID: "error.input.unreadable", Args: i18n.Data{"Value": clip(v.String()), "Type": def.Name}})
			return
		}
		isNumber := v.Kind == ast.IntValue || v.Kind == ast.FloatValue
		if def.Name == "Decimal" && isNumber && !exactNumber(v.Raw, x) {
			w.fail(path, v.Position, errs.Msg{ID: "error.input.inexact", Args: i18n.Data{"Value": clip(v.Raw)}})
			return
		}
		w.scalar(x, def.Name, name, path, v.Position)
	}
}

// exactNumber reports whether x, what the parser made of the number
// literal raw, reads as a Decimal of exactly raw's value.
func exactNumber(raw string, x any) bool {
	text, err := money.DecimalText(x)
	if err != nil {
		return true // the scalar refuses it with its own message
	}
	a, _, err1 := apd.NewFromString(raw)
	b, _, err2 := apd.NewFromString(text)
	return err1 == nil && err2 == nil && a.Cmp(b) == 0
}

// variableAt checks variable name's value where the document uses it: as
// type typ, for the argument or input field called pos. Each variable is
// checked once per type and, for a scalar, kind of position.
func (w *inputWalk) variableAt(name string, typ *ast.Type, pos string) {
	x, ok := w.vars[name]
	if !ok || x == nil {
		return
	}
	key := "$" + name + " " + typ.String()
	if def := w.check.schema.Types[typ.Name()]; def != nil && def.Kind == ast.Scalar {
		key += " " + limitFor(pos, def.Name).kind
	}
	if !w.once(key) {
		return
	}
	field, argAt, variable := w.field, w.argAt, w.variable
	w.variable = name
	w.json(x, typ, pos, ast.Path{ast.PathName("variable"), ast.PathName(name)})
	w.field, w.argAt, w.variable = field, argAt, variable
}

// json checks a value of the variables (decoded JSON, numbers as
// json.Number) of type typ, sent as the argument or input field called
// name.
func (w *inputWalk) json(x any, typ *ast.Type, name string, path ast.Path) {
	if x == nil || w.err != nil {
		return
	}
	if typ.Elem != nil {
		rv := reflect.ValueOf(x)
		if rv.Kind() != reflect.Slice { // a single value stands for a list of one
			w.json(x, typ.Elem, name, path)
			return
		}
		for i := 0; i < rv.Len() && w.err == nil; i++ {
			w.json(rv.Index(i).Interface(), typ.Elem, name, append(path, ast.PathIndex(i)))
		}
		return
	}
	def := w.check.schema.Types[typ.NamedType]
	if def == nil {
		return
	}
	switch def.Kind {
	case ast.InputObject:
		m, ok := x.(map[string]any)
		if !ok {
			return
		}
		for _, f := range def.Fields { // in schema order, so the first problem is always the same one
			if v, ok := m[f.Name]; ok {
				w.json(v, f.Type, f.Name, append(path, ast.PathName(f.Name)))
			}
		}
	case ast.Scalar:
		w.scalar(x, def.Name, name, path, nil)
	}
}

// scalar checks one value of the scalar type called scalar.
func (w *inputWalk) scalar(x any, scalar, name string, path ast.Path, pos *ast.Position) {
	var text string
	switch v := x.(type) {
	case string:
		text = v
	case json.Number: // a number sent for a String, an ID or a Decimal
		text = string(v)
	}
	if text != "" {
		if problem := textProblem(text, limitFor(name, scalar)); problem != nil {
			w.fail(path, pos, *problem)
			return
		}
	}
	var err error
	switch scalar {
	case "Date":
		var d store.Date
		err = d.UnmarshalGQL(x)
	case "Time":
		_, err = model.UnmarshalTime(x)
	case "Decimal":
		var d model.Decimal
		err = d.UnmarshalGQL(x)
	}
	if err != nil {
		w.fail(path, pos, errs.Msg{ID: "error.input.notValid", Args: i18n.Data{"Reason": reason(err)}})
	}
}

// fail records the walk's error: BAD_USER_INPUT at path, which it copies.
func (w *inputWalk) fail(path ast.Path, pos *ast.Position, problem errs.Msg) {
	if w.err != nil {
		return
	}
	p := append(ast.Path(nil), path...)
	ext := map[string]any{"code": "BAD_USER_INPUT"}
	var where errs.Msg
	if w.variable != "" {
		where = errs.Msg{ID: "error.input.variable", Args: i18n.Data{"Name": dotted(p[1:]), "Problem": problem}}
		ext["variable"] = w.variable
		if len(p) > 2 {
			ext["field"] = pathStrings(p[2:])
		}
		pos = nil // a variable has no place in the document
	} else {
		where = errs.Msg{ID: "error.input.argument", Args: i18n.Data{"Name": dotted(p[w.argAt:]), "Field": w.field, "Problem": problem}}
		ext["field"] = pathStrings(p[w.argAt:])
	}
	w.err = &gqlerror.Error{Message: where.Error(), Err: where, Path: p, Locations: locations(pos), Extensions: ext}
}

func locations(pos *ast.Position) []gqlerror.Location {
	if pos == nil {
		return nil
	}
	return []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
}

func pathStrings(p ast.Path) []string {
	out := make([]string, len(p))
	for i, e := range p {
		switch x := e.(type) {
		case ast.PathName:
			out[i] = string(x)
		case ast.PathIndex:
			out[i] = strconv.Itoa(int(x))
		}
	}
	return out
}

func dotted(p ast.Path) string { return strings.Join(pathStrings(p), ".") }

// asBadInput presents a request error that is the client's bad input as
// BAD_USER_INPUT, nil for any other error: a variable that does not
// coerce to its type (gqlgen codes it GRAPHQL_VALIDATION_FAILED, at path
// "variable", name, fields) and a literal of the wrong type for its
// argument or field (validation rule ValuesOfCorrectType). It copies the
// error: the transport may still read the original's code.
func asBadInput(ge *gqlerror.Error) *gqlerror.Error {
	code, _ := ge.Extensions["code"].(string)
	isVariable := code == "GRAPHQL_VALIDATION_FAILED" && len(ge.Path) >= 2 && ge.Path[0] == ast.PathName("variable")
	if !isVariable && !strings.HasPrefix(ge.Rule, "ValuesOfCorrectType") {
		return nil
	}
	c := *ge
	c.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
	if isVariable {
		c.Message = "Variable $" + dotted(ge.Path[1:]) + ": " + ge.Message
		if name, ok := ge.Path[1].(ast.PathName); ok {
			c.Extensions["variable"] = string(name)
		}
		if len(ge.Path) > 2 {
			c.Extensions["field"] = pathStrings(ge.Path[2:])
		}
	}
	return &c
}

// withoutSuggestions cuts the "Did you mean …?" that validation appends to
// some messages, when hide: with introspection off they would reveal the
// schema's names. SetDisableSuggestion covers only some of the rules.
func withoutSuggestions(e *gqlerror.Error, hide bool) *gqlerror.Error {
	if !hide || e == nil {
		return e
	}
	i := strings.Index(e.Message, " Did you mean ")
	if i < 0 {
		return e
	}
	c := *e
	c.Message = e.Message[:i]
	return &c
}
