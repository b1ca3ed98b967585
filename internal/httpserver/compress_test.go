package httpserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The GraphQL endpoint sets a read deadline through http.ResponseController
// to cut off slow bodies: the compression middleware's writers must let it
// reach the connection, whether the answer is compressed or not.
func TestCompressionKeepsResponseController(t *testing.T) {
	h := withCompression(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			http.Error(w, "SetReadDeadline: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, `{"data":"`+strings.Repeat("x", 4096)+`"}`)
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, enc := range []string{"", "gzip", "zstd"} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusTeapot || res.Header.Get("Content-Encoding") != enc {
			t.Fatalf("Accept-Encoding %q: HTTP %d, Content-Encoding %q: %.200s", enc, res.StatusCode, res.Header.Get("Content-Encoding"), body)
		}
	}
}
