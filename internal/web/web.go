// Package web is the web workspace (RULES.md §10): server-rendered pages
// with which committee members, coordinators, focal points and leadership
// run an assessment without writing GraphQL.
//
// Handlers are thin: they read the form, call the same services as the
// GraphQL resolvers (which authorize every read and write themselves), and
// render a template. A button a role may not use is not offered (the page
// asks the Guard, as the services do); a forced POST is refused by the
// service and the page says so in the user's language. Every text comes
// from the message catalog (internal/i18n, IDs "web.…").
//
// The pages work without JavaScript (plain forms, POST-redirect-GET, each
// form carrying the version it read); static/app.js only improves them:
// answers kept on the device until the server has them, saves sent with
// an Idempotency-Key and retried with it.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gendertrack/gendertrack/internal/account"
	"github.com/gendertrack/gendertrack/internal/assessment"
	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/evidence"
	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/org"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Deps are the services the pages call, the same the API calls.
type Deps struct {
	Orgs        *org.Service
	Accounts    *account.Service
	Assessments *assessment.Service
	Plans       *plan.Service
	Flags       *gaps.Service
	// Evidence attaches, lists and removes the answers' evidence files.
	Evidence *evidence.Service
	Guard    *authz.Guard
	// DB keeps the idempotency keys of area saves (store.Claim), as the
	// API does for /graphql; no page builds SQL.
	DB  *store.DB
	Now func() time.Time
	Log *slog.Logger
	// MaxBody bounds a form; MaxUpload a form sending a file (default:
	// the evidence service's file bound and MaxBody); Timeout bounds a
	// request.
	MaxBody   int64
	MaxUpload int64
	Timeout   time.Duration
}

// Handler serves the workspace.
type Handler struct {
	d       Deps
	pages   *pages
	handler http.Handler
}

// CSP is the Content-Security-Policy of every page: nothing inline, nothing
// from another origin.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New returns the workspace's handler. It answers every path it is given:
// the routes below, a translated 404 page for the others.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MaxBody <= 0 {
		d.MaxBody = 1 << 20
	}
	if d.MaxUpload <= 0 && d.Evidence != nil {
		d.MaxUpload = d.Evidence.MaxFile() + d.MaxBody
	}
	if d.Timeout <= 0 {
		d.Timeout = 30 * time.Second
	}
	h := &Handler{d: d, pages: loadPages()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{name}", h.static)
	mux.HandleFunc("GET /favicon.ico", h.favicon)
	mux.HandleFunc("GET /signin", h.signinPage)
	mux.HandleFunc("POST /signin", h.signin)
	mux.HandleFunc("POST /language", h.language)
	mux.HandleFunc("POST /signout", h.signedIn(h.signout))
	mux.HandleFunc("GET /{$}", h.signedIn(h.home))
	mux.HandleFunc("GET /institutions/{id}", h.signedIn(h.institution))
	mux.HandleFunc("GET /institutions/{id}/assessments", h.signedIn(h.assessments))
	mux.HandleFunc("POST /institutions/{id}/assessments", h.signedIn(h.createAssessment))
	mux.HandleFunc("GET /assessments/{id}", h.signedIn(h.assessment))
	mux.HandleFunc("GET /assessments/{id}/areas/{area}", h.signedIn(h.area))
	mux.HandleFunc("POST /assessments/{id}/areas/{area}", h.signedIn(h.saveArea))
	if d.Evidence != nil {
		mux.HandleFunc("POST /assessments/{id}/areas/{area}/files", h.signedIn(h.attachFile))
		mux.HandleFunc("POST /assessments/{id}/areas/{area}/files/{file}/remove", h.signedIn(h.removeFile))
	}
	mux.HandleFunc("POST /assessments/{id}/submit", h.signedIn(h.transition("submit")))
	mux.HandleFunc("POST /assessments/{id}/validate", h.signedIn(h.transition("validate")))
	mux.HandleFunc("POST /assessments/{id}/reopen", h.signedIn(h.transition("reopen")))
	mux.HandleFunc("GET /assessments/{id}/findings", h.signedIn(h.findings))
	mux.HandleFunc("GET /assessments/{id}/comparison", h.signedIn(h.comparison))
	mux.HandleFunc("/", h.withLanguage(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "web.error.notFound")
	}))

	// State-changing requests from another origin are refused (RULES.md
	// §10), by Sec-Fetch-Site or, without it, Origin against Host.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(h.withLanguage(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, "web.error.crossOrigin")
	}))
	h.handler = h.logged(secured(cop.Handler(mux)))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.d.Timeout)
	defer cancel()
	ctx = reqinfo.WithAcceptLanguage(ctx, r.Header.Get("Accept-Language"))
	limit := h.d.MaxBody
	if r.Method == http.MethodPost && h.d.MaxUpload > limit && strings.HasSuffix(r.URL.Path, "/files") {
		limit = h.d.MaxUpload // a file upload (files.go)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	h.handler.ServeHTTP(w, r.WithContext(ctx))
}

// secured sets the headers of every answer of the workspace.
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (s *recorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *recorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *recorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logged writes one line per request: its id, method, route, status and
// duration; never a form value, a cookie or a query string.
func (h *Handler) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		h.d.Log.Info("web", "request_id", reqinfo.From(r.Context()).ID, "method", r.Method, "route", r.Pattern,
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}
