package httpserver

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinSize is the smallest answer worth compressing: below it the
// encoding's overhead and the CPU time outweigh the bytes saved.
const compressMinSize = 1024

// withCompression compresses answers of compressMinSize bytes or more with
// zstd or gzip, as the client's Accept-Encoding allows (zstd preferred when
// both are), and adds Vary: Accept-Encoding. Status codes and headers set by
// the handlers (X-Request-Id, CORS, ETag) pass through unchanged; the
// response writer it hands on also supports Flush and, through Unwrap,
// http.ResponseController. /metrics is left to promhttp, which compresses
// on its own.
func withCompression(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinSize))
	if err != nil {
		panic(err) // constant options: cannot happen
	}
	compressed := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		compressed.ServeHTTP(w, r)
	})
}
