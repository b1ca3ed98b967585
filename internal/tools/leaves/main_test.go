package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsRewritten fails when graph/generated holds leaf
// resolvers that still go through graphql.ResolveField: gqlgen was run
// without this command (run `make generate`).
func TestGeneratedCodeIsRewritten(t *testing.T) {
	files, err := filepath.Glob("../../../graph/generated/*.generated.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated files: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, n, err := Rewrite(f, src); err != nil || n != 0 {
			t.Errorf("%s: %d leaf resolvers not rewritten (%v): run `make generate`", f, n, err)
		}
	}
}

// TestRewrite rewrites a plain read of a leaf and leaves alone a method
// with an error, a resolver and an object field.
func TestRewrite(t *testing.T) {
	src := `package generated

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

func (ec *executionContext) _T_title(ctx context.Context, field graphql.CollectedField, obj *T) (ret graphql.Marshaler) {
	return graphql.ResolveField(ctx, ec.OperationContext, field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) { return ec.fieldContext_T_title(ctx, field) },
		func(ctx context.Context) (any, error) { return obj.Title, nil },
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v time.Time) graphql.Marshaler { return ec.marshalNTime2timeᚐTime(ctx, selections, v) },
		true, true)
}
func (ec *executionContext) fieldContext_T_title(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("T", field, false, false, "Time")
}

func (ec *executionContext) _T_health(ctx context.Context, field graphql.CollectedField, obj *T) (ret graphql.Marshaler) {
	return graphql.ResolveField(ctx, ec.OperationContext, field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) { return ec.fieldContext_T_health(ctx, field) },
		func(ctx context.Context) (any, error) { return obj.Health() },
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler { return ec.marshalNString2string(ctx, selections, v) },
		true, true)
}
func (ec *executionContext) fieldContext_T_health(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("T", field, true, false, "String")
}

func (ec *executionContext) _T_status(ctx context.Context, field graphql.CollectedField, obj *T) (ret graphql.Marshaler) {
	return graphql.ResolveField(ctx, ec.OperationContext, field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) { return ec.fieldContext_T_status(ctx, field) },
		func(ctx context.Context) (any, error) { return ec.resolvers.T().Status(ctx, obj) },
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler { return ec.marshalNString2string(ctx, selections, v) },
		true, true)
}
func (ec *executionContext) fieldContext_T_status(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("T", field, true, true, "String")
}

func (ec *executionContext) _T_unit(ctx context.Context, field graphql.CollectedField, obj *T) (ret graphql.Marshaler) {
	return graphql.ResolveField(ctx, ec.OperationContext, field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) { return ec.fieldContext_T_unit(ctx, field) },
		func(ctx context.Context) (any, error) { return obj.Unit, nil },
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v *Unit) graphql.Marshaler { return ec.marshalOUnit2ᚖUnit(ctx, selections, v) },
		true, false)
}
func (ec *executionContext) fieldContext_T_unit(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	fc = &graphql.FieldContext{Object: "T", Field: field}
	return fc, nil
}
`
	out, n, err := Rewrite("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if n != 1 || !strings.Contains(got, "return ec.marshalNTime2timeᚐTime(ctx, field.Selections, obj.Title)") {
		t.Fatalf("%d rewritten:\n%s", n, got)
	}
	for _, kept := range []string{"return obj.Health()", "Status(ctx, obj)", "return obj.Unit, nil"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q was rewritten:\n%s", kept, got)
		}
	}
	// time was used only by the rewritten closure.
	if strings.Contains(got, `"time"`) {
		t.Errorf("the unused import stays:\n%s", got)
	}
	if again, n, _ := Rewrite("x.go", out); n != 0 || string(again) != got {
		t.Errorf("a second run changed %d more", n)
	}
}

// TestConcurrentTableIsCurrent fails when resolved_concurrently.go is not
// what the generated marshalers schedule in goroutines (run `make
// generate`).
func TestConcurrentTableIsCurrent(t *testing.T) {
	files, err := filepath.Glob("../../../graph/generated/*.generated.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated files: %v", err)
	}
	want, err := ConcurrentTable(files)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../graph/generated/" + ConcurrentFile)
	if err != nil || string(got) != string(want) {
		t.Fatalf("%s is stale (%v): run `make generate`", ConcurrentFile, err)
	}
	for _, f := range []string{`"Action":`, `"plan": true`, `"ResourceRequirement": {"action": true}`} {
		if !strings.Contains(string(got), f) {
			t.Errorf("%s does not hold %s", ConcurrentFile, f)
		}
	}
	// Plain methods and the resolvers called in place are not in it.
	for _, line := range []string{`"Action":              {"plan": true},`, `"ProgressUpdate":      {"action": true, "files": true},`} {
		if !strings.Contains(string(got), line) {
			t.Errorf("%s does not hold %s", ConcurrentFile, line)
		}
	}
}

// TestSerialLists rewrites the list marshaler of a listed element type and
// leaves alone one whose type only starts with the same name.
func TestSerialLists(t *testing.T) {
	src := `package generated

func (ec *executionContext) marshalNUnit2ᚕUnitᚄ(ctx context.Context, sel ast.SelectionSet, v []Unit) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler { return nil })
	return ret
}

func (ec *executionContext) marshalNUnitKind2ᚕstringᚄ(ctx context.Context, sel ast.SelectionSet, v []string) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler { return nil })
	return ret
}
`
	out, n, err := Rewrite("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if n != 1 || !strings.Contains(got, "ret := marshalList(ctx, sel, len(v), func(") || strings.Count(got, "graphql.MarshalSliceConcurrently(") != 1 {
		t.Fatalf("%d rewritten:\n%s", n, got)
	}
}

// TestInlineResolvers: a resolver of inlined is called in place, with the
// count of an invalid result its nullability asks; another resolver of the
// same type stays in a goroutine.
func TestInlineResolvers(t *testing.T) {
	src := `package generated

func (ec *executionContext) _Action(ctx context.Context, sel ast.SelectionSet, obj *store.Action) graphql.Marshaler {
	for i, field := range fields {
		switch field.Name {
		case "objective":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i,
				true, false,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Action_objective(ctx, field, obj)
				})
		case "gapFlags":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i,
				true, true,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Action_gapFlags(ctx, field, obj)
				})
		case "plan":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i,
				true, true,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Action_plan(ctx, field, obj)
				})
		}
	}
	return graphql.Null
}
`
	out, n, err := Rewrite("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		"out.Values[i] = ec._Action_objective(ctx, field, obj)\n\t\t\tif out.Values[i] == graphql.RequiredNull {",
		"out.Values[i] = ec._Action_gapFlags(ctx, field, obj)\n\t\t\tif out.Values[i] == graphql.Null {",
		"return ec._Action_plan(ctx, field, obj)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if n != 2 || strings.Count(got, "ResolveConcurrently") != 1 {
		t.Errorf("%d rewritten:\n%s", n, got)
	}
}

// TestObjectWriter: an object's marshaler returns its fields as an
// objectFields; a function that returns another field set is left alone.
func TestObjectWriter(t *testing.T) {
	src := `package generated

func (ec *executionContext) _T(ctx context.Context, sel ast.SelectionSet, obj *T) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, tImplementors)
	out := graphql.NewFieldSet(fields)
	out.Dispatch(ctx)
	if out.Invalids > 0 {
		return graphql.Null
	}
	return out
}

func (ec *executionContext) _U(ctx context.Context, sel ast.SelectionSet, obj *U) graphql.Marshaler {
	other := graphql.NewFieldSet(nil)
	return other
}
`
	out, n, err := Rewrite("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if n != 1 || !strings.Contains(got, "return objectFields{fields, out}") || !strings.Contains(got, "return other") {
		t.Fatalf("%d rewritten:\n%s", n, got)
	}
	if _, n, _ := Rewrite("x.go", out); n != 0 {
		t.Errorf("a second run rewrote %d more", n)
	}
}
