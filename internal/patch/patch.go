// Package patch carries one field of a change in its three states
// (RULES.md section 2): absent leaves the stored value as it is, null
// clears it, and a value replaces it. The services' inputs hold their
// fields as patch.Field, so that every caller (the API, the web
// workspace) can say "clear" as plainly as "set".
package patch

// Field is one field of an input: absent (the zero value), null, or a
// value.
type Field[T any] struct {
	set bool
	val *T
}

// Set is a field given the value v.
func Set[T any](v T) Field[T] { return Field[T]{set: true, val: &v} }

// Null is a field given an explicit null.
func Null[T any]() Field[T] { return Field[T]{set: true} }

// Ptr is the value *p, or an absent field when p is nil. It suits inputs
// where absent and null mean the same, such as those of a create.
func Ptr[T any](p *T) Field[T] { return Field[T]{set: p != nil, val: p} }

// Of is an absent field when !set, else a null one when p is nil, else
// the value *p: what graphql.Omittable's ValueOK gives.
func Of[T any](p *T, set bool) Field[T] {
	if !set {
		return Field[T]{}
	}
	return Field[T]{set: true, val: p}
}

// Present reports whether the field was given, null or a value.
func (f Field[T]) Present() bool { return f.set }

// IsNull reports whether the field was given an explicit null.
func (f Field[T]) IsNull() bool { return f.set && f.val == nil }

// Value is the field's value, nil when it is absent or null. It points at
// the field's own copy: a change through it (trimming a string, say) is
// seen by every copy of the field.
func (f Field[T]) Value() *T { return f.val }

// Apply writes the field into *dst when it was given: the value, or nil
// for a null. An absent field leaves *dst as it is.
func (f Field[T]) Apply(dst **T) {
	if f.set {
		*dst = f.val
	}
}
