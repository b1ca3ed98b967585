package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Bounds are the limits every request meets before it runs (RULES.md
// section 2). Each check takes time linear in the size of the document:
// a fragment's figures are computed once, however often it is spread, so
// a document of fragments spreading one another twice costs what its text
// costs, not what its expansion would.
type Bounds struct {
	// Tokens bounds the lexical tokens of a document, so that parsing and
	// everything after it work on bounded input.
	Tokens int
	// SelectionFields bounds the fields one selection set selects, those
	// of its inline fragments and spread fragments included. Validation
	// compares the fields of a selection set pairwise, so this keeps it
	// fast; a fragment spread twice counts twice.
	SelectionFields int
	// Aliases bounds the aliased fields of a document.
	Aliases int
	// Depth bounds the nesting of fields (DEPTH_LIMIT_EXCEEDED).
	Depth int
	// Complexity bounds the cost of an operation (COMPLEXITY_LIMIT_EXCEEDED):
	// every field costs 1, a list or connection with first costs first
	// times its selection.
	Complexity int
	// Errors bounds the errors of one response; past it, one more error
	// says how many were left out.
	Errors int
}

// DefaultBounds are limits that no query the contract documents reaches:
// the largest (GraphiQL's introspection query, a plan page with every
// field) use under 2,000 tokens, 40 fields in one selection set and depth 12.
func DefaultBounds() Bounds {
	return Bounds{Tokens: 15000, SelectionFields: 500, Aliases: 500, Depth: 20, Complexity: 50000, Errors: 50}
}

// limitError is a GraphQL error with extensions.code code whose message is
// the catalog message id with args: its Err is that errs.Msg, which the
// error presenter gives in the request's language (RULES.md section 9).
func limitError(code, id string, args i18n.Data) *gqlerror.Error {
	m := errs.Msg{ID: id, Args: args}
	return &gqlerror.Error{Message: m.Error(), Err: m, Extensions: map[string]any{"code": code}}
}

// checkShape parses query within the token bound and checks the bounds
// that need no schema: fields per selection set, aliases and depth. It
// runs before validation, whose rules would otherwise spend time in
// proportion to what a small document can make them compare.
func checkShape(query string, b Bounds) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, b.Tokens)
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok && b.Tokens > 0 && isTokenLimit(ge) {
			return limitError("TOKEN_LIMIT_EXCEEDED", "error.limit.tokens", i18n.Data{"Max": b.Tokens})
		}
		return nil // the executor reports the syntax error itself
	}
	s := shape{frags: map[string]*ast.FragmentDefinition{}, fields: map[string]int{}, depths: map[string]int{}}
	for _, f := range doc.Fragments {
		if _, dup := s.frags[f.Name]; !dup {
			s.frags[f.Name] = f
		}
	}
	walk := func(set ast.SelectionSet) {}
	walk = func(set ast.SelectionSet) {
		if n := s.fieldCount(set); b.SelectionFields > 0 && n > b.SelectionFields && s.err == nil {
			s.err = limitError("SELECTION_LIMIT_EXCEEDED", "error.limit.selection",
				i18n.Data{"Fields": atLeast(n), "Max": b.SelectionFields})
		}
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				if x.Alias != "" && x.Alias != x.Name {
					s.aliases++
				}
				walk(x.SelectionSet)
			case *ast.InlineFragment:
				walk(x.SelectionSet)
			}
		}
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
		if d := s.depth(op.SelectionSet); b.Depth > 0 && d > b.Depth && s.err == nil {
			s.err = limitError("DEPTH_LIMIT_EXCEEDED", "error.limit.depth", i18n.Data{"Depth": atLeast(d), "Max": b.Depth})
		}
	}
	if s.err != nil {
		return s.err
	}
	if b.Aliases > 0 && s.aliases > b.Aliases {
		return limitError("ALIAS_LIMIT_EXCEEDED", "error.limit.aliases", i18n.Data{"Aliases": s.aliases, "Max": b.Aliases})
	}
	return nil
}

func isTokenLimit(e *gqlerror.Error) bool {
	const prefix = "exceeded token limit"
	return len(e.Message) >= len(prefix) && e.Message[:len(prefix)] == prefix
}

// atLeast is a count for a limit's message: a saturated one reads "more
// than a billion".
func atLeast(n int) any {
	if n >= saturated {
		return errs.Msg{ID: "error.limit.billion"}
	}
	return n
}

const saturated = 1 << 30

func add(a, b int) int {
	if a+b >= saturated || a+b < 0 {
		return saturated
	}
	return a + b
}

// shape memoizes, per fragment, the fields it selects and the depth it
// adds. A fragment met again while it is being computed belongs to a
// cycle, which validation refuses; it counts 0 here.
type shape struct {
	frags   map[string]*ast.FragmentDefinition
	fields  map[string]int
	depths  map[string]int
	aliases int
	err     *gqlerror.Error
}

const inProgress = -1

func (s *shape) fieldCount(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			n = add(n, 1)
		case *ast.InlineFragment:
			n = add(n, s.fieldCount(x.SelectionSet))
		case *ast.FragmentSpread:
			n = add(n, s.fragment(x.Name, s.fields, s.fieldCount))
		}
	}
	return n
}

func (s *shape) depth(set ast.SelectionSet) int {
	d := 0
	for _, sel := range set {
		var n int
		switch x := sel.(type) {
		case *ast.Field:
			n = add(s.depth(x.SelectionSet), 1)
		case *ast.InlineFragment:
			n = s.depth(x.SelectionSet)
		case *ast.FragmentSpread:
			n = s.fragment(x.Name, s.depths, s.depth)
		}
		d = max(d, n)
	}
	return d
}

// fragment computes f over the named fragment's selection once.
func (s *shape) fragment(name string, memo map[string]int, f func(ast.SelectionSet) int) int {
	if v, ok := memo[name]; ok {
		return max(v, 0)
	}
	def := s.frags[name]
	if def == nil {
		return 0 // unknown fragment: validation says so
	}
	memo[name] = inProgress
	v := f(def.SelectionSet)
	memo[name] = v
	return v
}

// costLimit refuses, after validation and before execution, operations
// whose cost exceeds max. It computes costs as gqlgen's complexity
// package does (the schema's complexity functions, the most expensive
// implementation of an interface field), but each fragment's cost once.
type costLimit struct {
	max int
	es  graphql.ExecutableSchema
}

func (*costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || c.max <= 0 {
		return nil
	}
	w := coster{ctx: ctx, es: c.es, schema: c.es.Schema(), vars: oc.Variables, memo: map[string]int{}}
	if cost := w.set(oc.Operation.SelectionSet); cost > c.max {
		return limitError("COMPLEXITY_LIMIT_EXCEEDED", "error.limit.complexity", i18n.Data{"Cost": atLeast(cost), "Max": c.max})
	}
	return nil
}

// coster computes the cost of an operation's selections.
type coster struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	memo   map[string]int
}

func (c *coster) set(sel ast.SelectionSet) int {
	total := 0
	for _, s := range sel {
		switch x := s.(type) {
		case *ast.Field:
			total = add(total, c.field(x))
		case *ast.InlineFragment:
			total = add(total, c.set(x.SelectionSet))
		case *ast.FragmentSpread:
			if v, ok := c.memo[x.Name]; ok {
				total = add(total, max(v, 0))
				continue
			}
			if x.Definition == nil {
				continue
			}
			c.memo[x.Name] = inProgress
			v := c.set(x.Definition.SelectionSet)
			c.memo[x.Name] = v
			total = add(total, v)
		}
	}
	return total
}

func (c *coster) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	typ := c.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return 0
	}
	child := 0
	switch typ.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = c.set(f.SelectionSet)
	}
	args := f.ArgumentMap(c.vars)
	if f.ObjectDefinition.Kind == ast.Interface {
		worst := 0
		for _, impl := range c.schema.GetPossibleTypes(f.ObjectDefinition) {
			worst = max(worst, c.one(impl.Name, f.Name, child, args))
		}
		return worst
	}
	return c.one(f.ObjectDefinition.Name, f.Name, child, args)
}

func (c *coster) one(typ, field string, child int, args map[string]any) int {
	if v, ok := c.es.Complexity(c.ctx, typ, field, child, args); ok && v >= 1 {
		return min(v, saturated)
	}
	return add(1, child)
}

// capErrors keeps at most n errors and adds one that says how many more
// there were, in the language of ctx's request (the errors of an answer
// are presented before they are capped).
func capErrors(ctx context.Context, list gqlerror.List, n int) gqlerror.List {
	if n <= 0 || len(list) <= n {
		return list
	}
	more := len(list) - n
	out := append(gqlerror.List{}, list[:n]...)
	e := limitError("TOO_MANY_ERRORS", "error.limit.errors", i18n.Data{"More": more})
	e.Message = errs.Msg{ID: "error.limit.errors", Args: i18n.Data{"More": more}}.Text(i18n.Lang(ctx))
	return append(out, e)
}
