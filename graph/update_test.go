package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/graph/generated"
)

// TestUpdateInputsTellAbsentFromNull: every nullable field of every update
// input (an input named Update…Input) is a graphql.Omittable in the Go
// model, so that its resolver can tell an absent field (leave the stored
// value) from an explicit null (clear it), as RULES.md section 2 asks. A
// new update input or field fails here until gqlgen.yml makes it
// omittable.
func TestUpdateInputsTellAbsentFromNull(t *testing.T) {
	goTypes := modelFieldTypes(t, "model/models_gen.go")
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	inputs := 0
	for name, def := range schema.Types {
		if !strings.HasPrefix(name, "Update") || !strings.HasSuffix(name, "Input") || def.Kind != "INPUT_OBJECT" {
			continue
		}
		inputs++
		fields, ok := goTypes[name]
		if !ok {
			t.Errorf("%s: no Go model in graph/model/models_gen.go", name)
			continue
		}
		for _, f := range def.Fields {
			if f.Type.NonNull {
				continue
			}
			if typ := fields[f.Name]; !strings.HasPrefix(typ, "graphql.Omittable[") {
				t.Errorf("%s.%s is nullable but its Go field is %s; add {omittable: true} in gqlgen.yml", name, f.Name, typ)
			}
		}
	}
	if inputs == 0 {
		t.Fatal("the schema has no update input")
	}
}

// modelFieldTypes reads the struct types of a Go file: type name -> JSON
// field name -> the field's type as written.
func modelFieldTypes(t *testing.T, file string) map[string]map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	out := map[string]map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		fields := map[string]string{}
		for _, fd := range st.Fields.List {
			if fd.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(fd.Tag.Value)
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			fields[name] = src[fset.Position(fd.Type.Pos()).Offset:fset.Position(fd.Type.End()).Offset]
		}
		out[ts.Name.Name] = fields
		return false
	})
	return out
}
