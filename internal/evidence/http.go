package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"

	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
)

// Authenticate returns the request's context carrying its actor (none for
// an anonymous request), or an error for a credential that is unknown,
// expired or revoked.
type Authenticate func(r *http.Request) (context.Context, error)

// CSP is the Content-Security-Policy of a served file: nothing in it may
// run or load anything, should a browser ever render it.
const CSP = "default-src 'none'; sandbox"

// Handler serves GET /files/{id} (a file's global ID) to who may read
// what the file is attached to (RULES.md section 7): as an attachment,
// with the type read at upload, never sniffed again. A file that does not
// exist and one the caller may not read (a Response's file to a PARTNER,
// any file to an anonymous caller) answer the same 404; a bad credential
// answers 401.
func (s *Service) Handler(authenticate Authenticate, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", CSP)
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		lang := i18n.Lang(r.Context())
		fail := func(status int, id string) {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Del("Content-Disposition")
			w.WriteHeader(status)
			w.Write([]byte(i18n.T(lang, id, nil) + "\n"))
		}
		ctx, err := authenticate(r)
		if err != nil {
			if errors.Is(err, errs.ErrUnauthenticated) {
				h.Set("WWW-Authenticate", "Bearer")
				fail(http.StatusUnauthorized, "error.unauthenticated")
				return
			}
			log.ErrorContext(r.Context(), "file download: authentication failed", "request_id", reqinfo.From(r.Context()).ID, "err", err)
			fail(http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		k, id, ok := gid.Decode(r.PathValue("id"))
		if !ok || k != gid.EvidenceFile {
			fail(http.StatusNotFound, "error.evidence.notFound")
			return
		}
		f, content, err := s.Open(ctx, id)
		if err != nil {
			log.ErrorContext(ctx, "file download failed", "request_id", reqinfo.From(ctx).ID, "file", id, "err", err)
			fail(http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		if f == nil {
			fail(http.StatusNotFound, "error.evidence.notFound")
			return
		}
		h.Set("Content-Type", f.ContentType)
		h.Set("Content-Disposition", ContentDisposition(f.Name))
		h.Set("ETag", `"`+f.SHA256+`"`)
		http.ServeContent(w, r, "", f.UploadedAt, bytes.NewReader(content))
	})
}

// ContentDisposition is "attachment" with the file's name as RFC 6266
// says: an ASCII fallback in filename (quotes, backslashes and anything
// outside printable ASCII replaced by _) and the exact name in filename*
// (UTF-8, percent-encoded).
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + pathEscape(name)
}

// pathEscape percent-encodes everything but RFC 5987's attr-chars.
func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&+-.^_`|~", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
