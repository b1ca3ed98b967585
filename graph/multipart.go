package graph

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Uploads bound the multipart requests of the GraphQL multipart request
// specification (https://github.com/jaydenseric/graphql-multipart-request-spec),
// with which attachEvidence sends its file. The other requests stay JSON
// and keep the 1 MiB body limit.
type Uploads struct {
	// MaxFileBytes bounds one file part: a longer one refuses the request
	// with 413 as soon as the bound is passed.
	MaxFileBytes int64
	// MaxFiles bounds the files of one request (entries of the map part).
	MaxFiles int
	// MaxFieldBytes bounds the operations and map parts (the JSON body
	// limit).
	MaxFieldBytes int64
	// TempDir holds the files while the request runs ("" the system's);
	// each is removed when the request ends (on Unix at once, kept open).
	TempDir string
}

// DefaultMaxFiles is the default bound of files per request.
const DefaultMaxFiles = 5

// MaxBody is the largest multipart body these bounds let through: the two
// JSON parts, every file, and room for the parts' headers.
func (u Uploads) MaxBody() int64 {
	return 2*u.MaxFieldBytes + int64(u.MaxFiles)*(u.MaxFileBytes+16<<10)
}

// enabled reports whether multipart requests are taken at all.
func (u Uploads) enabled() bool { return u.MaxFiles > 0 && u.MaxFileBytes > 0 }

// multipartParams reads a multipart request: the operations part (one
// operation's JSON parameters; batches are refused), the map part (each
// file's part name to the one variable path it fills), then each file,
// written to a temporary file while its SHA-256 is computed. Every
// problem is a clear 400 (413 for a part over its bound) before anything
// runs: a missing or misplaced operations or map part, JSON that does not
// read, a path that is not a null variable, a file mapped to several
// paths or a path given several files, too many files, a file part sent
// twice, not in the map or missing.
//
// The returned digest stands for the body in idempotency keys: the two
// JSON parts and every file's SHA-256, so that a retry with the same
// content matches whatever its multipart boundary. cleanup closes and
// removes the temporary files; it is never nil.
func multipartParams(r *http.Request, u Uploads) (digest []byte, p *graphql.RawParams, cleanup func(), rerr *requestError) {
	var files []*os.File
	cleanup = func() {
		for _, f := range files {
			f.Close()
			os.Remove(f.Name())
		}
	}
	bad := func(id string, args i18n.Data) (digest []byte, p *graphql.RawParams, c func(), rerr *requestError) {
		return nil, nil, cleanup, &requestError{status: http.StatusBadRequest, id: id, args: args}
	}
	tooLarge := func(id string, args i18n.Data) (digest []byte, p *graphql.RawParams, c func(), rerr *requestError) {
		return nil, nil, cleanup, &requestError{status: http.StatusRequestEntityTooLarge, id: id, args: args, code: "PAYLOAD_TOO_LARGE"}
	}
	if !u.enabled() {
		return nil, nil, cleanup, &requestError{status: http.StatusUnsupportedMediaType, id: "error.request.json"}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return bad("error.request.multipart.malformed", nil)
	}
	// field reads the next part, which must be the form field name.
	field := func(name string) ([]byte, *requestError) {
		part, err := mr.NextPart()
		if err != nil || part.FormName() != name || part.FileName() != "" {
			return nil, &requestError{status: http.StatusBadRequest, id: "error.request.multipart.order", args: i18n.Data{"Part": name}}
		}
		b, err := io.ReadAll(io.LimitReader(part, u.MaxFieldBytes+1))
		if err != nil {
			return nil, readError(err)
		}
		if int64(len(b)) > u.MaxFieldBytes {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, id: "error.request.multipart.fieldTooLarge",
				args: i18n.Data{"Part": name, "Max": u.MaxFieldBytes}, code: "PAYLOAD_TOO_LARGE"}
		}
		return b, nil
	}
	ops, e := field("operations")
	if e != nil {
		return nil, nil, cleanup, e
	}
	if t := bytes.TrimSpace(ops); len(t) > 0 && t[0] == '[' {
		return bad("error.request.multipart.batch", nil)
	}
	var raw rawParams
	if err := json.Unmarshal(ops, &raw); err != nil {
		return bad("error.request.multipart.operations", nil)
	}
	p, e = decodeParams(raw)
	if e != nil {
		return nil, nil, cleanup, e
	}
	mapPart, e := field("map")
	if e != nil {
		return nil, nil, cleanup, e
	}
	var m map[string][]string
	if err := json.Unmarshal(mapPart, &m); err != nil || m == nil {
		return bad("error.request.multipart.map", nil)
	}
	if len(m) > u.MaxFiles {
		return bad("error.request.multipart.tooManyFiles", i18n.Data{"Max": u.MaxFiles})
	}
	paths := map[string]bool{}
	for key, ps := range m {
		if len(ps) != 1 {
			return bad("error.request.multipart.onePath", i18n.Data{"Part": clip(key)})
		}
		if paths[ps[0]] {
			return bad("error.request.multipart.pathTwice", i18n.Data{"Path": clip(ps[0])})
		}
		paths[ps[0]] = true
	}
	sums := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, cleanup, readError(err)
			}
			return bad("error.request.multipart.malformed", nil)
		}
		key := part.FormName()
		ps, mapped := m[key]
		switch {
		case !mapped:
			return bad("error.request.multipart.unmapped", i18n.Data{"Part": clip(key)})
		case sums[key] != "":
			return bad("error.request.multipart.partTwice", i18n.Data{"Part": clip(key)})
		}
		f, err := os.CreateTemp(u.TempDir, "gendertrack-upload-*")
		if err != nil {
			return nil, nil, cleanup, &requestError{status: http.StatusInternalServerError, id: "error.request.body"}
		}
		files = append(files, f)
		os.Remove(f.Name()) // gone from the directory at once where the system allows it; the open file stays
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, u.MaxFileBytes+1))
		if err != nil {
			return nil, nil, cleanup, readError(err)
		}
		if n > u.MaxFileBytes {
			return tooLarge("error.request.multipart.fileTooLarge", i18n.Data{"Part": clip(key), "MaxMB": u.MaxFileBytes >> 20})
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, cleanup, &requestError{status: http.StatusInternalServerError, id: "error.request.body"}
		}
		sums[key] = hex.EncodeToString(h.Sum(nil))
		up := graphql.Upload{File: f, Filename: part.FileName(), Size: n, ContentType: part.Header.Get("Content-Type")}
		if !setVariable(p, ps[0], up) {
			return bad("error.request.multipart.path", i18n.Data{"Path": clip(ps[0])})
		}
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		if sums[key] == "" {
			return bad("error.request.multipart.missingFile", i18n.Data{"Part": clip(key)})
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var d bytes.Buffer
	d.WriteString("multipart\x00")
	d.Write(ops)
	d.WriteByte(0)
	d.Write(mapPart)
	for _, k := range keys {
		d.WriteString("\x00" + k + "=" + sums[k])
	}
	return d.Bytes(), p, cleanup, nil
}

// readError is the refusal of a body that could not be read: 413 past the
// body limit, else 400.
func readError(err error) *requestError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &requestError{status: http.StatusRequestEntityTooLarge, id: "error.request.multipart.tooLarge",
			args: i18n.Data{"Max": mbe.Limit}, code: "PAYLOAD_TOO_LARGE"}
	}
	return &requestError{status: http.StatusBadRequest, id: "error.request.body"}
}

// setVariable puts v at path ("variables.input.file", "variables.files.0")
// of p's variables, where the operations part must hold null; false when
// there is no such null value.
func setVariable(p *graphql.RawParams, path string, v any) bool {
	segs := strings.Split(path, ".")
	if len(segs) < 2 || segs[0] != "variables" || p.Variables == nil {
		return false
	}
	var cur any = p.Variables
	for i, s := range segs[1:] {
		last := i == len(segs)-2
		switch c := cur.(type) {
		case map[string]any:
			x, ok := c[s]
			if !ok {
				return false
			}
			if last {
				if x != nil {
					return false
				}
				c[s] = v
				return true
			}
			cur = x
		case []any:
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n >= len(c) || strconv.Itoa(n) != s {
				return false
			}
			if last {
				if c[n] != nil {
					return false
				}
				c[n] = v
				return true
			}
			cur = c[n]
		default:
			return false
		}
	}
	return false
}
