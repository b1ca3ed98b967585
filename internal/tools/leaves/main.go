// Command leaves rewrites gqlgen's generated executor so that leaf fields
// read straight from the model resolve without a field context.
//
// gqlgen resolves every field through graphql.ResolveField: a field
// context, a child context, three closures, a deferred recover, the value
// boxed into an interface and asserted back, then marshaled. For a field
// such as Action.title that reads obj.Title, that machinery costs more
// than the read and the JSON writing together, and a plan page has
// thousands of such fields (docs/PERFORMANCE.md). This command finds, in
// the generated files, the resolvers of fields that
//
//   - are leaves (their field context is graphql.NewScalarFieldContext:
//     scalars and enums, which have no sub-selection and no arguments),
//   - read a struct field or call a method without arguments and without
//     an error of the object (`return obj.X, nil` or `return obj.M(), nil`),
//   - have no field middleware (nil),
//
// and replaces their bodies by the marshaling of that value; and in every
// object's marshaler it replaces the @defer bookkeeping that gqlgen builds
// per object by an empty group (the service refuses @defer). What changes:
// such a field is no longer seen by field interceptors (the service
// installs none: graph.NewHandler), and the rare error its marshaler
// reports (a NaN float, a nil non-null pointer) is reported at its parent's
// path. Everything else — resolvers, methods with a context or an error,
// objects and lists — keeps gqlgen's path.
//
//	go run ./internal/tools/leaves graph/generated
//
// It also makes the lists of the element types in serialLists marshal
// their elements one after the other when nothing selected below them is a
// field gqlgen resolves in a goroutine (graph/generated/lists.go): gqlgen
// starts a goroutine per element of every list, so that elements whose
// resolvers wait on a dataloader wait together; below a plan page's
// actions nothing waits so (their relations are plain methods reading
// grouped fetches), and the goroutines, their contexts and the growth of
// their stacks were a tenth of the page's CPU. The fields resolved in
// goroutines are listed, per type, in resolved_concurrently.go, which this
// command writes from the generated marshalers.
//
// It calls a few resolvers in place (inlined) rather than in a goroutine
// each. And every object's marshaler returns its fields as an objectFields
// (lists.go) instead of gqlgen's field set, whose MarshalGQL allocates a
// map and a copy of every field for each object it writes.
//
// `make generate` runs it after gqlgen; a test fails when the generated
// files are not rewritten.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: leaves DIR (the gqlgen exec directory)")
		os.Exit(2)
	}
	n, err := RewriteDir(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "leaves:", err)
		os.Exit(1)
	}
	fmt.Printf("leaves: %d leaf fields and lists rewritten\n", n)
}

// RewriteDir rewrites the *.generated.go files of dir in place, writes
// resolved_concurrently.go there, and returns how many resolvers and lists
// it rewrote.
func RewriteDir(dir string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.generated.go"))
	if err != nil {
		return 0, err
	}
	total := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return total, err
		}
		out, n, err := Rewrite(path, src)
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				return total, err
			}
		}
	}
	table, err := ConcurrentTable(files)
	if err != nil {
		return total, err
	}
	return total, os.WriteFile(filepath.Join(dir, ConcurrentFile), table, 0o644)
}

// serialLists are the element types whose lists marshal serially when
// they can: their elements come from fetches grouped per list (a page of
// actions, an action's requirements, indicators, units, partners and
// findings, an action's updates, an indicator's measurements), so a plain
// method of one of them never waits on a dataloader's batch.
var serialLists = []string{"ActionEdge", "ResourceRequirement", "Indicator", "Unit", "ProgressUpdateEdge", "Measurement", "Partner", "Finding"}

// ConcurrentFile is the file, in the exec directory, of the fields each
// object's marshaler resolves in a goroutine.
const ConcurrentFile = "resolved_concurrently.go"

// ConcurrentTable returns the source of ConcurrentFile for the generated
// files: the fields whose case in an object's marshaler (`_T`) schedules
// them with ResolveConcurrently or Concurrently.
func ConcurrentTable(files []string) ([]byte, error) {
	byType := map[string][]string{}
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || !strings.HasPrefix(fd.Name.Name, "_") || strings.Contains(fd.Name.Name[1:], "_") {
				continue
			}
			typ := fd.Name.Name[1:]
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				cc, ok := n.(*ast.CaseClause)
				if !ok || len(cc.List) != 1 {
					return true
				}
				lit, ok := cc.List[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				concurrent := false
				for _, st := range cc.Body {
					ast.Inspect(st, func(n ast.Node) bool {
						if c, ok := n.(*ast.CallExpr); ok {
							if s, ok := c.Fun.(*ast.SelectorExpr); ok && (s.Sel.Name == "ResolveConcurrently" || s.Sel.Name == "Concurrently") {
								concurrent = true
							}
						}
						return !concurrent
					})
				}
				if concurrent {
					byType[typ] = append(byType[typ], strings.Trim(lit.Value, `"`))
				}
				return false
			})
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/tools/leaves; DO NOT EDIT.\n\npackage generated\n\n")
	b.WriteString("// concurrentFields are, per object type, the fields its marshaler\n// resolves in a goroutine of their own (lists.go).\n")
	b.WriteString("var concurrentFields = map[string]map[string]bool{\n")
	for _, t := range types {
		fields := byType[t]
		sort.Strings(fields)
		fmt.Fprintf(&b, "\t%q: {", t)
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: true", f)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// serialList rewrites, in the marshaler of a list of one of serialLists,
// graphql.MarshalSliceConcurrently(ctx, n, 0, false, f) into
// marshalList(ctx, sel, n, f), and reports whether it did.
func serialList(fd *ast.FuncDecl) bool {
	name := fd.Name.Name
	if !strings.HasPrefix(name, "marshalN") && !strings.HasPrefix(name, "marshalO") {
		return false
	}
	match := false
	for _, t := range serialLists {
		match = match || strings.HasPrefix(name[len("marshalN"):], t+"2ᚕ")
	}
	if !match {
		return false
	}
	done := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || !isSelector(c.Fun, "graphql", "MarshalSliceConcurrently") || len(c.Args) != 5 {
			return true
		}
		c.Fun = ast.NewIdent("marshalList")
		c.Args = []ast.Expr{c.Args[0], ast.NewIdent("sel"), c.Args[1], c.Args[4]}
		done = true
		return false
	})
	return done
}

// Rewrite returns src with its leaf resolvers rewritten, and their number.
func Rewrite(name string, src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	leafContexts := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fd.Name.Name, "fieldContext_") && returnsScalarContext(fd) {
			leafContexts[fd.Name.Name] = true
		}
	}
	n := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if ok && fd.Recv != nil && fd.Body != nil && serialList(fd) {
			n++
			continue
		}
		if !ok || fd.Recv == nil || !strings.HasPrefix(fd.Name.Name, "_") || fd.Body == nil {
			continue
		}
		if body := leafBody(fd, leafContexts); body != nil {
			fd.Body.List = []ast.Stmt{body}
			n++
			continue
		}
		n += plainDeferredGroups(fd.Body)
		n += objectWriter(fd.Body)
		n += inlineResolvers(fd)
	}
	if n == 0 {
		return src, 0, nil
	}
	dropUnusedImports(f)
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, f); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), n, nil
}

// plainDeferredGroups replaces, in an object's marshaler, the
// `deferred := graphql.NewDeferredGroup(ctx)` that gqlgen builds for every
// object (its path computed and allocated, a field set and a map) by a
// group that holds only the context: the service refuses @defer
// (graph/inputcheck.go: DIRECTIVE_NOT_SUPPORTED), so no field is ever
// deferred into it and nothing reads the rest.
func plainDeferredGroups(body *ast.BlockStmt) int {
	n := 0
	for _, st := range body.List {
		as, ok := st.(*ast.AssignStmt)
		if !ok || len(as.Rhs) != 1 {
			continue
		}
		call, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok || !isSelector(call.Fun, "graphql", "NewDeferredGroup") || len(call.Args) != 1 {
			continue
		}
		as.Rhs[0] = &ast.CompositeLit{
			Type: &ast.SelectorExpr{X: ast.NewIdent("graphql"), Sel: ast.NewIdent("DeferredGroup")},
			Elts: []ast.Expr{&ast.KeyValueExpr{Key: ast.NewIdent("Context"), Value: call.Args[0]}},
		}
		n++
	}
	return n
}

// inlined are, per object type, the fields with a resolver that the
// type's marshaler calls in place instead of in a goroutine of their own:
// their resolvers never wait on a dataloader's batch for an object listed
// with others (they read the fetch of its group, as the plain methods of
// serialLists do), so nothing is gained by waiting together, and a list
// of actions selecting them (the full plan page) can then marshal its
// elements one after the other (lists.go).
var inlined = map[string]map[string]bool{
	"Action":              {"objective": true, "gapFlags": true},
	"ResourceRequirement": {"provider": true},
	"ProgressUpdate":      {"author": true},
	"Finding":             {"title": true}, // the title in the request's language
}

// inlineResolvers rewrites, in the marshaler _T of an object type of
// inlined, the case of each such field from
//
//	out.ResolveConcurrently(ec.OperationContext, &deferred, i, true, nonNull, func(ctx) { return ec._T_f(ctx, field, obj) })
//
// to the call in place and the same count of an invalid result:
//
//	out.Values[i] = ec._T_f(ctx, field, obj)
//	if out.Values[i] == graphql.Null (nonNull) or graphql.RequiredNull { atomic.AddUint32(&out.Invalids, 1) }
//
// (the resolver's own graphql.ResolveField still turns a panic into an
// error at the field.)
func inlineResolvers(fd *ast.FuncDecl) int {
	fields := inlined[strings.TrimPrefix(fd.Name.Name, "_")]
	if fields == nil {
		return 0
	}
	n := 0
	ast.Inspect(fd.Body, func(node ast.Node) bool {
		cc, ok := node.(*ast.CaseClause)
		if !ok || len(cc.List) != 1 || len(cc.Body) != 1 {
			return true
		}
		lit, ok := cc.List[0].(*ast.BasicLit)
		if !ok || !fields[strings.Trim(lit.Value, `"`)] {
			return true
		}
		es, ok := cc.Body[0].(*ast.ExprStmt)
		if !ok {
			return false
		}
		call, ok := es.X.(*ast.CallExpr)
		if !ok || len(call.Args) != 6 {
			return false
		}
		if s, ok := call.Fun.(*ast.SelectorExpr); !ok || s.Sel.Name != "ResolveConcurrently" || !isIdent(s.X, "out") {
			return false
		}
		resolve := singleReturnCall(funcLitBody(call.Args[5]))
		if resolve == nil {
			return false
		}
		invalid := "RequiredNull"
		if isIdent(call.Args[4], "true") {
			invalid = "Null"
		}
		value := func() ast.Expr {
			return &ast.IndexExpr{X: &ast.SelectorExpr{X: ast.NewIdent("out"), Sel: ast.NewIdent("Values")}, Index: ast.NewIdent("i")}
		}
		cc.Body = []ast.Stmt{
			&ast.AssignStmt{Lhs: []ast.Expr{value()}, Tok: token.ASSIGN, Rhs: []ast.Expr{resolve}},
			&ast.IfStmt{
				Cond: &ast.BinaryExpr{X: value(), Op: token.EQL, Y: &ast.SelectorExpr{X: ast.NewIdent("graphql"), Sel: ast.NewIdent(invalid)}},
				Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{
					Fun: &ast.SelectorExpr{X: ast.NewIdent("atomic"), Sel: ast.NewIdent("AddUint32")},
					Args: []ast.Expr{&ast.UnaryExpr{Op: token.AND, X: &ast.SelectorExpr{X: ast.NewIdent("out"), Sel: ast.NewIdent("Invalids")}},
						&ast.BasicLit{Kind: token.INT, Value: "1"}},
				}}}},
			},
		}
		n++
		return false
	})
	return n
}

// objectWriter replaces, in an object's marshaler, the final `return out`
// of the field set built by graphql.NewFieldSet(fields) by
// `return objectFields{fields, out}` (graph/generated/lists.go), which
// writes the same object without what FieldSet.MarshalGQL allocates for
// every object (a map of the names written) and every field (a copy of its
// CollectedField): a fifth of a plan page's allocations.
func objectWriter(body *ast.BlockStmt) int {
	built := false
	for _, st := range body.List {
		if as, ok := st.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 && isIdent(as.Lhs[0], "out") {
			if call, ok := as.Rhs[0].(*ast.CallExpr); ok && isSelector(call.Fun, "graphql", "NewFieldSet") && len(call.Args) == 1 && isIdent(call.Args[0], "fields") {
				built = true
			}
		}
	}
	if !built || len(body.List) == 0 {
		return 0
	}
	ret, ok := body.List[len(body.List)-1].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 || !isIdent(ret.Results[0], "out") {
		return 0
	}
	ret.Results[0] = &ast.CompositeLit{Type: ast.NewIdent("objectFields"), Elts: []ast.Expr{ast.NewIdent("fields"), ast.NewIdent("out")}}
	return 1
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// returnsScalarContext: the body is `return graphql.NewScalarFieldContext(...)`.
func returnsScalarContext(fd *ast.FuncDecl) bool {
	call := singleReturnCall(fd.Body)
	return call != nil && isSelector(call.Fun, "graphql", "NewScalarFieldContext")
}

// leafBody returns the new body of a leaf resolver, or nil when fd is not
// one.
func leafBody(fd *ast.FuncDecl, leafContexts map[string]bool) ast.Stmt {
	call := singleReturnCall(fd.Body)
	if call == nil || !isSelector(call.Fun, "graphql", "ResolveField") || len(call.Args) != 9 {
		return nil
	}
	// Args: ctx, oc, field, fieldContext, resolver, middleware, marshal, recover, nonNull.
	fcCall := singleReturnCall(funcLitBody(call.Args[3]))
	if fcCall == nil {
		return nil
	}
	fcSel, ok := fcCall.Fun.(*ast.SelectorExpr)
	if !ok || !leafContexts[fcSel.Sel.Name] {
		return nil
	}
	if id, ok := call.Args[5].(*ast.Ident); !ok || id.Name != "nil" {
		return nil
	}
	value := plainRead(funcLitBody(call.Args[4]))
	if value == nil {
		return nil
	}
	marshal := singleReturnCall(funcLitBody(call.Args[6]))
	if marshal == nil || len(marshal.Args) != 3 {
		return nil
	}
	if _, ok := marshal.Fun.(*ast.SelectorExpr); !ok {
		return nil
	}
	return &ast.ReturnStmt{Results: []ast.Expr{&ast.CallExpr{
		Fun:  marshal.Fun,
		Args: []ast.Expr{ast.NewIdent("ctx"), &ast.SelectorExpr{X: ast.NewIdent("field"), Sel: ast.NewIdent("Selections")}, value},
	}}}
}

// plainRead returns X of a body `return X, nil` where X is obj.F or
// obj.M() — a read of the object that cannot fail and needs no context.
func plainRead(body *ast.BlockStmt) ast.Expr {
	if body == nil || len(body.List) != 1 {
		return nil
	}
	ret, ok := body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 {
		return nil
	}
	if id, ok := ret.Results[1].(*ast.Ident); !ok || id.Name != "nil" {
		return nil
	}
	x := ret.Results[0]
	if c, ok := x.(*ast.CallExpr); ok {
		if len(c.Args) != 0 {
			return nil
		}
		x = c.Fun
	}
	sel, ok := x.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "obj" {
		return nil
	}
	return ret.Results[0]
}

// dropUnusedImports removes the imports that no selector uses any more
// (the rewritten closures were the only users of some, such as time).
func dropUnusedImports(f *ast.File) {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		kept := gd.Specs[:0]
		for _, sp := range gd.Specs {
			is := sp.(*ast.ImportSpec)
			path := strings.Trim(is.Path.Value, `"`)
			name := importName(path)
			if is.Name != nil {
				name = is.Name.Name
			}
			if name == "_" || name == "." || used[name] {
				kept = append(kept, sp)
				continue
			}
			// Drop the spec and its position from the file's imports.
			for i, fi := range f.Imports {
				if fi == is {
					f.Imports = append(f.Imports[:i], f.Imports[i+1:]...)
					break
				}
			}
		}
		gd.Specs = kept
	}
}

// importName is the name a package of path is imported as by default: its
// last element, or the one before a major version suffix (…/v2).
func importName(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	return last
}

func funcLitBody(e ast.Expr) *ast.BlockStmt {
	if fl, ok := e.(*ast.FuncLit); ok {
		return fl.Body
	}
	return nil
}

// singleReturnCall returns C of a body that is only `return C(...)`.
func singleReturnCall(body *ast.BlockStmt) *ast.CallExpr {
	if body == nil || len(body.List) != 1 {
		return nil
	}
	ret, ok := body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	c, _ := ret.Results[0].(*ast.CallExpr)
	return c
}

func isSelector(e ast.Expr, pkg, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != name {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == pkg
}
