package reqinfo

import "context"

type langKey struct{}

// maxAcceptLanguage bounds the Accept-Language header kept for a request.
const maxAcceptLanguage = 512

// WithAcceptLanguage returns ctx carrying the request's Accept-Language
// header, by which questionnaire texts and rule descriptions pick their
// language (RULES.md section 9).
func WithAcceptLanguage(ctx context.Context, header string) context.Context {
	if len(header) > maxAcceptLanguage {
		header = header[:maxAcceptLanguage]
	}
	return context.WithValue(ctx, langKey{}, header)
}

// AcceptLanguage returns the Accept-Language header of the request, "" when
// there is none.
func AcceptLanguage(ctx context.Context) string {
	s, _ := ctx.Value(langKey{}).(string)
	return s
}
