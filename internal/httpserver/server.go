// Package httpserver holds the HTTP side of the service: routes,
// middleware, health and readiness, metrics and the GraphiQL page.
package httpserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Deps are what the HTTP server needs.
type Deps struct {
	DB       *store.DB
	GraphQL  http.Handler
	Log      *slog.Logger
	MaxBody  int64
	Timeout  time.Duration
	Prepare  func(*http.Request) (*http.Request, error) // per-request context: loaders, sign-in
	Registry *prometheus.Registry
	// MaxInFlight bounds the GraphQL requests executing at once; more wait
	// in a queue of MaxQueued, and beyond that are refused with 503. This
	// keeps memory and latency bounded when load exceeds what the machine
	// can serve.
	MaxInFlight int
	MaxQueued   int
	// CORSOrigins are the origins (such as https://partner.example.org)
	// whose pages may call /graphql and the exports; none when empty.
	CORSOrigins []string
	// MaxUploadBody bounds a multipart/form-data request to /graphql (file
	// uploads, graph.Uploads.MaxBody), which is streamed to the transport
	// instead of read here; 0 holds it to MaxBody like the others.
	MaxUploadBody int64
	// Files serves GET /files/{id} (evidence downloads), when set.
	Files http.Handler
	// Web is the web workspace (internal/web), served at / and every path
	// no other route takes; without it / leads to GraphiQL.
	Web http.Handler
}

// New returns the service's HTTP handler with every route.
func New(d Deps) http.Handler {
	m := newMetrics(d.Registry, d.DB)
	mux := http.NewServeMux()
	newGraphiQL().register(mux, d.Web == nil)
	if d.Web != nil {
		mux.Handle("/", d.Web)
	}
	mux.Handle("/graphql", graphqlEndpoint(d, m))
	if d.Files != nil {
		mux.Handle("GET /files/{id}", d.Files)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain")
		if err := d.DB.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready: "+err.Error()+"\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	return requestID(withCompression(withCORS(d.CORSOrigins, mux)))
}

// graphqlEndpoint wraps the GraphQL handler with the body limit, the
// timeout, the per-request context, one log line and the metrics.
func graphqlEndpoint(d Deps, m *metrics) http.Handler {
	slots := make(chan struct{}, max(d.MaxInFlight, 1))
	var queued atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := reqinfo.From(r.Context())
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			name, kind := info.Operation()
			dur := time.Since(start)
			m.observe(name, rec.status, info.Errors(), dur)
			d.Log.Info("graphql", "request_id", info.ID, "operation", name, "kind", kind,
				"status", rec.status, "errors", len(info.Errors()), "duration_ms", float64(dur.Microseconds())/1000)
		}()
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET, POST")
			http.Error(rec, "use POST (or GET for queries)", http.StatusMethodNotAllowed)
			return
		}
		// The deadline covers reading the body, parsing, validation and
		// execution: a body sent slowly is cut off when it passes.
		ctx, cancel := context.WithTimeout(r.Context(), d.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		if r.Body != nil && r.Method == http.MethodPost {
			if deadline, ok := ctx.Deadline(); ok {
				_ = http.NewResponseController(w).SetReadDeadline(deadline)
			}
			if d.MaxUploadBody > 0 && isMultipart(r) {
				// A file upload: the transport streams the parts to
				// temporary files, each bounded, the whole body bounded here.
				if r.ContentLength > d.MaxUploadBody {
					http.Error(rec, "request body larger than "+strconv.FormatInt(d.MaxUploadBody, 10)+" bytes", http.StatusRequestEntityTooLarge)
					return
				}
				r.Body = http.MaxBytesReader(rec, r.Body, d.MaxUploadBody)
			} else if r.ContentLength > d.MaxBody {
				http.Error(rec, "request body larger than "+strconv.FormatInt(d.MaxBody, 10)+" bytes", http.StatusRequestEntityTooLarge)
				return
			}
		}
		if r.Body != nil && r.Method == http.MethodPost && !(d.MaxUploadBody > 0 && isMultipart(r)) {
			body, err := io.ReadAll(io.LimitReader(r.Body, d.MaxBody+1))
			if err != nil {
				status := http.StatusBadRequest
				if errors.Is(err, os.ErrDeadlineExceeded) {
					status = http.StatusRequestTimeout
				}
				http.Error(rec, "could not read the request body in time: "+err.Error(), status)
				return
			}
			if int64(len(body)) > d.MaxBody {
				http.Error(rec, "request body larger than "+strconv.FormatInt(d.MaxBody, 10)+" bytes", http.StatusRequestEntityTooLarge)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		select {
		case slots <- struct{}{}:
		default:
			if queued.Add(1) > int64(d.MaxQueued) {
				queued.Add(-1)
				m.rejected.Inc()
				w.Header().Set("Retry-After", "1")
				http.Error(rec, "the server is at capacity; retry shortly", http.StatusServiceUnavailable)
				return
			}
			select {
			case slots <- struct{}{}:
				queued.Add(-1)
			case <-ctx.Done():
				queued.Add(-1)
				m.rejected.Inc()
				w.Header().Set("Retry-After", "1")
				http.Error(rec, "the server is at capacity; retry shortly", http.StatusServiceUnavailable)
				return
			}
		}
		defer func() { <-slots }()
		if d.Prepare != nil {
			prepared, err := d.Prepare(r)
			if err != nil {
				if _, coded := err.(interface{ Code() string }); !coded && !store.Unavailable(err) {
					d.Log.ErrorContext(ctx, "request preparation failed", "request_id", info.ID, "err", err)
				}
				writeGraphQLError(rec, r, err)
				return
			}
			r = prepared
		}
		d.GraphQL.ServeHTTP(rec, r)
	})
}

// isMultipart reports whether r has a multipart/form-data body.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// requestID gives every request an id (kept from X-Request-Id when it is
// sane) and echoes it in the response.
func requestID(next http.Handler) http.Handler {
	valid := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !valid.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		ctx := reqinfo.With(r.Context(), &reqinfo.Info{ID: id, ClientAddr: addr})
		// Every answer, a refusal before Prepare's included, speaks the
		// request's language (RULES.md section 9).
		ctx = reqinfo.WithAcceptLanguage(ctx, r.Header.Get("Accept-Language"))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	once   sync.Once
}

func (s *statusRecorder) WriteHeader(code int) {
	s.once.Do(func() { s.status = code })
	s.ResponseWriter.WriteHeader(code)
}

// metrics are the Prometheus series of the service.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	rejected prometheus.Counter

	mu    sync.Mutex
	names map[string]bool
}

func newMetrics(reg *prometheus.Registry, db *store.DB) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gendertrack_graphql_requests_total", Help: "GraphQL requests by operation name and HTTP status.",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gendertrack_graphql_request_duration_seconds", Help: "GraphQL request latency by operation name.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gendertrack_graphql_errors_total", Help: "GraphQL errors by operation name and extensions.code.",
		}, []string{"operation", "code"}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gendertrack_graphql_rejected_total", Help: "GraphQL requests refused with 503 because the server was at capacity.",
		}),
		names: map[string]bool{},
	}
	reg.MustRegister(m.requests, m.latency, m.errors, m.rejected,
		collectors.NewDBStatsCollector(db.DB.DB, "gendertrack"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

var opName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// label bounds the operation label's cardinality: clients choose operation
// names, so odd or too many distinct ones are folded into "other".
func (m *metrics) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !opName.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.names[name] {
		if len(m.names) >= 500 {
			return "other"
		}
		m.names[name] = true
	}
	return name
}

func (m *metrics) observe(name string, status int, errCodes []string, d time.Duration) {
	op := m.label(name)
	m.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(op).Observe(d.Seconds())
	for _, c := range errCodes {
		m.errors.WithLabelValues(op, c).Inc()
	}
}

// writeGraphQLError answers a request refused before execution (e.g. an
// unknown or expired credential) in the GraphQL response shape, in the
// request's language.
func writeGraphQLError(w http.ResponseWriter, r *http.Request, err error) {
	lang := i18n.Lang(r.Context())
	code, status, msg := "INTERNAL_SERVER_ERROR", http.StatusInternalServerError, i18n.T(lang, "error.internalShort")
	if c, ok := err.(interface{ Code() string }); ok {
		code, status, msg = c.Code(), http.StatusUnauthorized, err.Error()
		if n, ok := err.(interface{ MessageID() string }); ok {
			msg = i18n.T(lang, n.MessageID())
		}
	} else if store.Unavailable(err) {
		code, status, msg = "SERVICE_UNAVAILABLE", http.StatusServiceUnavailable, i18n.T(lang, "error.unavailable")
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]any{
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}},
	})
	w.Write(body)
}
