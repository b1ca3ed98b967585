package errs

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// messageArgs gives, per function or method that takes a message ID, the
// position of that argument: errs.New(code, id, field...),
// errs.Newf(code, field, id, args), l.Add(code, id, field...),
// l.Addf(code, field, id, args), errs.NotFoundIf(err, id, field...),
// Guard.Visible(ctx, inst, id, field...) and Guard.Check(ctx, inst, c, id,
// field...).
var messageArgs = map[string]int{"New": 1, "Newf": 2, "NotFoundIf": 1, "Add": 1, "Addf": 2, "Visible": 2, "Check": 3}

// messageFields are the fields of composite literals that hold a message
// ID: BadInput{Message: id}, Msg{ID: id}, UserError{Message: id}.
var messageFields = map[string]string{"BadInput": "Message", "Msg": "ID", "UserError": "Message"}

// idLiteral matches the string literals that look like message IDs.
var idLiteral = regexp.MustCompile(`^error\.[A-Za-z0-9.]+$`)

// Every message an error is made with is a message of both catalogs: the
// code of internal/ and graph/ passes errs.New, Newf, NotFoundIf, Add,
// Addf, Guard.Check and Visible, BadInput, Msg and UserError a catalog ID
// (RULES.md section 9), never an English sentence; every "error.…" string
// of the code is in both catalogs.
func TestErrorMessagesAreCatalogIDs(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	for _, dir := range []string{"../../internal", "../../graph"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "generated" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			files++
			for _, p := range checkMessages(fset, f) {
				t.Error(p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Fatalf("only %d files scanned; is the test run from internal/errs?", files)
	}
}

// The check itself fails on an English message, a formatted one and one
// held in a local variable, and passes IDs, constants that are IDs and
// IDs forwarded through parameters.
func TestCheckMessagesFindsSentences(t *testing.T) {
	src := `package p

const idConst = "error.required"
const badConst = "Oops, a constant."

func f(l *errs.List, id string, m errs.Msg) error {
	l.Add(errs.Invalid, "error.required", "input")
	l.Add(errs.Invalid, id, "input")
	l.Addf(errs.Invalid, nil, m.ID, m.Args)
	l.Add(errs.Invalid, idConst)
	msg := "error.blank"
	l.Add(errs.Invalid, msg)
	_ = errs.BadInput{Message: "error.first"}
	_ = errs.New(errs.Invalid, "Oops.", "input")
	_ = errs.Newf(errs.Invalid, nil, fmt.Sprintf("At most %d.", 3), nil)
	l.Add(errs.Invalid, badConst)
	bad := "Not an ID."
	l.Add(errs.Invalid, bad)
	_ = errs.BadInput{Message: "after is no cursor."}
	_ = errs.Msg{ID: "error." + id}
	_ = "error.no.such.id"
	return nil
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := checkMessages(fset, f)
	wantLines := []int{14, 15, 16, 18, 19, 20, 21}
	if len(got) != len(wantLines) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(wantLines), strings.Join(got, "\n"))
	}
	for i, line := range wantLines {
		if !strings.HasPrefix(got[i], "p.go:"+strconv.Itoa(line)+":") {
			t.Errorf("problem %d: %s; want one on line %d", i, got[i], line)
		}
	}
}

// checkMessages lists the problems of one file: a message argument or
// field that is not a catalog ID, and an "error.…" string that no catalog
// holds.
func checkMessages(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, format string, a ...any) {
		out = append(out, fset.Position(n.Pos()).String()+": "+fmt.Sprintf(format, a...))
	}
	consts := map[string]string{} // package-level string constants of this file
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := stringLit(vs.Values[i]); ok {
							consts[name.Name] = v
						}
					}
				}
			}
		}
	}
	// locals holds, per function, the variables set from a string literal
	// (by name: a shadowing parameter is then checked too, which is fine).
	var locals map[string]string
	localsOf := func(body ast.Node) map[string]string {
		m := map[string]string{}
		ast.Inspect(body, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						if v, ok := stringLit(as.Rhs[i]); ok {
							m[id.Name] = v
						}
					}
				}
			}
			return true
		})
		return m
	}
	// checkID reports e unless it is a catalog ID, or an expression that
	// forwards one (a parameter, a field, an element of a table).
	checkID := func(e ast.Expr, where string) {
		var v string
		switch x := e.(type) {
		case *ast.BasicLit:
			v, _ = stringLit(x)
		case *ast.Ident:
			var ok bool
			if v, ok = consts[x.Name]; !ok {
				if v, ok = locals[x.Name]; !ok {
					return // a parameter or a variable the ID reaches through
				}
			}
		case *ast.SelectorExpr, *ast.IndexExpr:
			return
		default:
			report(e, "%s: the message is built (%T), not a catalog ID", where, e)
			return
		}
		if !i18n.Has(i18n.EN, v) || !i18n.Has(i18n.FR, v) {
			report(e, "%s: %q is not a message ID of both catalogs (internal/i18n/locales)", where, v)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncDecl:
			locals = nil
			if x.Body != nil {
				locals = localsOf(x.Body)
			}
		case *ast.CallExpr:
			name, pkg := callee(x)
			pos, ok := messageArgs[name]
			if !ok || pos >= len(x.Args) {
				return true
			}
			switch name {
			case "Add", "Addf":
				if !isCode(x.Args[0]) {
					return true // another Add (a counter, a header, a time)
				}
			case "New", "Newf", "NotFoundIf":
				if pkg != "errs" && (pkg != "" || f.Name.Name != "errs") {
					return true // errors.New and the like
				}
			case "Visible", "Check":
				if !strings.Contains(exprString(x.Fun), "Guard") && f.Name.Name != "authz" {
					return true
				}
			}
			checkID(x.Args[pos], name)
		case *ast.CompositeLit:
			typ := exprString(x.Type)
			typ = typ[strings.LastIndex(typ, ".")+1:]
			field, ok := messageFields[typ]
			if !ok || (!strings.HasPrefix(exprString(x.Type), "errs.") && f.Name.Name != "errs") {
				return true
			}
			for _, el := range x.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok && exprString(kv.Key) == field {
					checkID(kv.Value, typ+"."+field)
				}
			}
		case *ast.BasicLit:
			if v, ok := stringLit(x); ok && idLiteral.MatchString(v) && (!i18n.Has(i18n.EN, v) || !i18n.Has(i18n.FR, v)) {
				report(x, "%q is not a message ID of both catalogs", v)
			}
		}
		return true
	})
	return dedupe(out)
}

// callee names the function or method a call calls, and what it is
// selected from ("errs", "l", "s.Guard"; "" for a plain call).
func callee(c *ast.CallExpr) (name, from string) {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name, ""
	case *ast.SelectorExpr:
		return f.Sel.Name, exprString(f.X)
	}
	return "", ""
}

// isCode reports whether e is a user error code: errs.Invalid or, inside
// package errs, Invalid.
func isCode(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		pkg, _ := x.X.(*ast.Ident)
		return pkg != nil && pkg.Name == "errs"
	case *ast.Ident:
		return x.Name == "code" || x.Name == "Invalid" || x.Name == "NotFound" || x.Name == "Conflict" ||
			x.Name == "InvalidState" || x.Name == "Duplicate"
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.StarExpr:
		return exprString(x.X)
	}
	return ""
}

// dedupe drops a report repeated at the same place (a literal is seen both
// as an argument and as a string).
func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		at := s[:strings.Index(s, ": ")]
		if !seen[at] {
			seen[at] = true
			out = append(out, s)
		}
	}
	return out
}
