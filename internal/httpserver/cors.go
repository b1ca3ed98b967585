package httpserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CORS: browsers may call /graphql and the exports only from the origins
// listed in GENDERTRACK_CORS_ORIGINS (none by default). A listed origin gets
// its preflight answered, Access-Control-Allow-Origin echoing it and
// Access-Control-Allow-Credentials; any other origin gets no CORS header at
// all, so the browser keeps the answer from the calling page.
//
// This is a small middleware rather than github.com/rs/cors: that library
// allows every origin when its list is empty, and answers a preflight's
// Access-Control-Allow-Methods with the one method asked for.

// corsMethods and corsHeaders are what a listed origin may use.
const corsMethods = "GET, POST"

var corsHeaders = []string{"Content-Type", "Authorization", "Idempotency-Key", "Accept-Language", "X-Request-Id"}

// corsMaxAge is how long a browser may keep a preflight's answer, in
// seconds (Chromium keeps it at most 2 hours).
const corsMaxAge = "7200"

// corsPath tells the routes browsers may call from other origins.
func corsPath(p string) bool {
	return p == "/graphql" || strings.HasPrefix(p, "/export/") || strings.HasPrefix(p, "/files/")
}

// ParseCORSOrigins reads a comma-separated list of origins such as
// "https://partner.example.org, http://localhost:3000". Each must be a
// scheme (http or https), a host and an optional port, with nothing after
// it (no path, not even "/"). A default port (443, 80) is dropped and the
// origin is lower-cased, as browsers send it. Empty entries are ignored.
func ParseCORSOrigins(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		o, err := parseOrigin(s)
		if err != nil {
			return nil, err
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out, nil
}

func parseOrigin(s string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%q is not an origin such as https://partner.example.org: %s", s, why)
	}
	if s == "*" || s == "null" {
		return "", bad("list each origin; wildcards and null are not allowed")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", bad(err.Error())
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", bad("the scheme must be http or https")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", bad("a host is missing")
	case u.User != nil:
		return "", bad("an origin has no user name or password")
	case u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "", bad("an origin has no path, query or fragment, not even a trailing /")
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", bad("the port must be a number from 1 to 65535")
		}
		if !(scheme == "https" && n == 443) && !(scheme == "http" && n == 80) {
			host += ":" + strconv.Itoa(n)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", bad("the port is empty")
	}
	return scheme + "://" + host, nil
}

// withCORS applies the origin allow-list to the routes of corsPath. It
// answers preflights itself, before the routes (the GraphQL endpoint
// refuses OPTIONS with 405).
func withCORS(origins []string, next http.Handler) http.Handler {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	allowedHeader := make(map[string]string, len(corsHeaders))
	for _, h := range corsHeaders {
		allowedHeader[strings.ToLower(h)] = h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !corsPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		listed := origin != "" && allowed[origin]
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if listed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
				h.Set("Access-Control-Allow-Methods", corsMethods)
				var asked []string
				for _, v := range r.Header.Values("Access-Control-Request-Headers") {
					for name := range strings.SplitSeq(v, ",") {
						canon, ok := allowedHeader[strings.ToLower(strings.TrimSpace(name))]
						if ok && !slices.Contains(asked, canon) {
							asked = append(asked, canon)
						}
					}
				}
				if len(asked) > 0 {
					h.Set("Access-Control-Allow-Headers", strings.Join(asked, ", "))
				}
				h.Set("Access-Control-Max-Age", corsMaxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if listed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "X-Request-Id")
		}
		next.ServeHTTP(w, r)
	})
}
