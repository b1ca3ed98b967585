package gaps

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"github.com/gendertrack/gendertrack/internal/errs"
)

// Cursor is the opaque cursor of a flag in a sorted list: its place in the
// order (severity, detectedAt, id), so that paging goes on from the right
// place even when the flag itself has gone since.
func Cursor(f *Flag) string {
	return base64.RawURLEncoding.EncodeToString([]byte("gf:" + strconv.Itoa(SeverityRank(f.Severity)) + ":" +
		strconv.FormatInt(f.DetectedAt.UnixNano(), 10) + ":" + f.ID))
}

var errBadCursor = errs.BadInput{Message: "error.badCursor"}

type position struct {
	rank int
	at   int64
	id   string
}

func parseCursor(c string) (position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return position{}, false
	}
	parts := strings.SplitN(string(b), ":", 4)
	if len(parts) != 4 || parts[0] != "gf" {
		return position{}, false
	}
	rank, err1 := strconv.Atoi(parts[1])
	at, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || parts[3] == "" {
		return position{}, false
	}
	return position{rank, at, parts[3]}, true
}

// before reports whether p comes before f in the list order.
func (p position) before(f *Flag) bool {
	r := SeverityRank(f.Severity)
	if r != p.rank {
		return r < p.rank
	}
	at := f.DetectedAt.UnixNano()
	if at != p.at {
		return at > p.at
	}
	return f.ID > p.id
}

// Page cuts one page out of a sorted list: the first flags after the
// cursor (none: from the start), whether more follow, and whether the page
// starts after a cursor. A cursor this package did not make is
// BAD_USER_INPUT.
func Page(fs []Flag, first int, after string) (page []Flag, more, earlier bool, err error) {
	start := 0
	if after != "" {
		p, ok := parseCursor(after)
		if !ok {
			return nil, false, false, errBadCursor
		}
		start = sort.Search(len(fs), func(i int) bool { return p.before(&fs[i]) })
		earlier = true
	}
	end := min(start+first, len(fs))
	return fs[start:end], end < len(fs), earlier, nil
}
