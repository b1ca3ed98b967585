package auth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests use cheap argon2 parameters; TestHashPasswordDefaultParams checks
// the production ones once.
func TestMain(m *testing.M) {
	PasswordParams = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	m.Run()
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrPasswordTooShort},
		{"nine", "123456789", ErrPasswordTooShort},
		{"ten", "1234567890", nil},
		{"nine runes, more bytes", "ééééééééé", ErrPasswordTooShort},
		{"ten runes", "éééééééééé", nil},
		{"256", strings.Repeat("a", 256), nil},
		{"257", strings.Repeat("a", 257), ErrPasswordTooLong},
		{"256 multibyte runes", strings.Repeat("€", 256), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidatePassword(tt.pw); got != tt.want {
				t.Fatalf("ValidatePassword(%q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
	if !strings.Contains(ErrPasswordTooShort.Error(), "at least 10 characters") {
		t.Errorf("unclear message: %q", ErrPasswordTooShort)
	}
	if !strings.Contains(ErrPasswordTooLong.Error(), "at most 256 characters") {
		t.Errorf("unclear message: %q", ErrPasswordTooLong)
	}
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

func TestHashPasswordFormat(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	m := phcRE.FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("hash %q is not PHC argon2id with a 16-byte salt and 32-byte key", h)
	}
	if m[1] != "64" || m[2] != "1" || m[3] != "1" {
		t.Errorf("params = m=%s t=%s p=%s, want the package's PasswordParams", m[1], m[2], m[3])
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
}

func TestHashPasswordDefaultParams(t *testing.T) {
	saved := PasswordParams
	defer func() { PasswordParams = saved }()
	PasswordParams = Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", h)
	}
	if !CheckPassword(h, "a long enough password") {
		t.Fatal("CheckPassword rejects the right password")
	}
}

func TestCheckPassword(t *testing.T) {
	good, err := HashPassword("s3cret-passphrase")
	if err != nil {
		t.Fatal(err)
	}
	// A hash made with other parameters still verifies: they are read from the hash.
	saved := PasswordParams
	PasswordParams = Argon2Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
	other, err := HashPassword("s3cret-passphrase")
	PasswordParams = saved
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name string
		hash string
		pw   string
		want bool
	}{
		{"right", good, "s3cret-passphrase", true},
		{"other params", other, "s3cret-passphrase", true},
		{"wrong", good, "s3cret-passphrasE", false},
		{"empty pw", good, "", false},
		{"empty hash", "", "s3cret-passphrase", false},
		{"bcrypt hash", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "x", false},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1), "s3cret-passphrase", false},
		{"wrong version", strings.Replace(good, "v=19", "v=16", 1), "s3cret-passphrase", false},
		{"huge memory", strings.Join([]string{"", parts[1], parts[2], "m=99999999,t=1,p=1", parts[4], parts[5]}, "$"), "s3cret-passphrase", false},
		{"zero time", strings.Join([]string{"", parts[1], parts[2], "m=64,t=0,p=1", parts[4], parts[5]}, "$"), "s3cret-passphrase", false},
		{"bad salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"), "s3cret-passphrase", false},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"), "s3cret-passphrase", false},
		{"extra field", good + "$x", "s3cret-passphrase", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
				t.Fatalf("CheckPassword = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDummyCheck(t *testing.T) {
	// It must not panic, must run argon2 with the current parameters, and
	// take about as long as a real check.
	saved := PasswordParams
	defer func() { PasswordParams = saved }()
	PasswordParams = Argon2Params{Memory: 8 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := HashPassword("some password here")
	if err != nil {
		t.Fatal(err)
	}
	// Interleave the two so that machine load hits both alike.
	const n = 6
	var real, dummy time.Duration
	for range n {
		start := time.Now()
		CheckPassword(h, "wrong password here")
		real += time.Since(start)
		start = time.Now()
		DummyCheck("wrong password here")
		dummy += time.Since(start)
	}
	if dummy < real/4 || dummy > real*4 {
		t.Errorf("DummyCheck took %v for %d calls, CheckPassword %v: not comparable", dummy, n, real)
	}
}

func TestNewSecret(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	for _, prefix := range []string{TokenPrefix, APIKeyPrefix, ""} {
		seen := map[string]bool{}
		for range 100 {
			s, err := NewSecret(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s, prefix) || !re.MatchString(strings.TrimPrefix(s, prefix)) {
				t.Fatalf("NewSecret(%q) = %q: want prefix + 43 base64url characters", prefix, s)
			}
			if seen[s] {
				t.Fatalf("NewSecret repeated %q", s)
			}
			seen[s] = true
		}
	}
	if TokenPrefix != "gtt_" || APIKeyPrefix != "gtk_" {
		t.Errorf("prefixes changed: %q %q", TokenPrefix, APIKeyPrefix)
	}
}

func TestHashSecret(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashSecret(tt.in); got != tt.want {
			t.Errorf("HashSecret(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if HashSecret("gtt_a") == HashSecret("gtk_a") {
		t.Error("the prefix is not part of the hash")
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLimiter(t *testing.T) {
	const (
		fail    = "fail"
		success = "success"
		allowed = "allowed"
		locked  = "locked"
		wait    = "wait"
	)
	type step struct {
		op    string
		email string
		d     time.Duration // for wait: advance; for locked: expected retryAfter
	}
	const a = "alice@example.org"
	tests := []struct {
		name  string
		steps []step
	}{
		{"fresh email allowed", []step{{allowed, a, 0}}},
		{"four failures still allowed", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {allowed, a, 0},
		}},
		{"fifth failure locks for 15 minutes", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{locked, a, 15 * time.Minute},
			{wait, "", 10 * time.Minute},
			{locked, a, 5 * time.Minute},
			{wait, "", 5*time.Minute - time.Second},
			{locked, a, time.Second},
			{wait, "", time.Second},
			{allowed, a, 0},
		}},
		{"email is case-insensitive", []step{
			{fail, "Alice@Example.org", 0}, {fail, "ALICE@EXAMPLE.ORG", 0}, {fail, a, 0},
			{fail, " alice@example.org ", 0}, {fail, "alice@EXAMPLE.org", 0},
			{locked, "ALICE@example.ORG", 15 * time.Minute},
		}},
		{"other emails unaffected", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{locked, a, 15 * time.Minute}, {allowed, "bob@example.org", 0},
		}},
		{"failures outside the window do not count", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{wait, "", 15*time.Minute + time.Second},
			{fail, a, 0}, {allowed, a, 0},
		}},
		{"sliding window", []step{
			{fail, a, 0}, {wait, "", 5 * time.Minute},
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {wait, "", 10*time.Minute + time.Second},
			// the first failure left the window: 3 remain, one more makes 4
			{fail, a, 0}, {allowed, a, 0},
			{fail, a, 0}, {locked, a, 15 * time.Minute},
		}},
		{"success resets", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{success, a, 0},
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {allowed, a, 0},
		}},
		{"failures while locked do not extend the lock", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{wait, "", 14 * time.Minute},
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{locked, a, time.Minute},
			{wait, "", time.Minute},
			{allowed, a, 0},
		}},
		{"after unlock counting restarts", []step{
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {fail, a, 0},
			{wait, "", 15 * time.Minute},
			{fail, a, 0}, {allowed, a, 0},
			{fail, a, 0}, {fail, a, 0}, {fail, a, 0}, {allowed, a, 0},
			{fail, a, 0}, {locked, a, 15 * time.Minute},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
			l := NewLimiter(DefaultMaxFailures, DefaultFailureWindow, DefaultLockFor, clk.Now)
			for i, s := range tt.steps {
				switch s.op {
				case fail:
					l.Failure(s.email)
				case success:
					l.Success(s.email)
				case wait:
					clk.Advance(s.d)
				case allowed:
					if ok, ra := l.Allowed(s.email); !ok || ra != 0 {
						t.Fatalf("step %d: Allowed(%q) = %v, %v; want true, 0", i, s.email, ok, ra)
					}
				case locked:
					if ok, ra := l.Allowed(s.email); ok || ra != s.d {
						t.Fatalf("step %d: Allowed(%q) = %v, %v; want false, %v", i, s.email, ok, ra, s.d)
					}
				}
			}
		})
	}
}

func TestLimiterEviction(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(5, 15*time.Minute, 30*time.Minute, clk.Now)
	for i := range 1000 {
		l.Failure(fmt.Sprintf("user%d@example.org", i))
	}
	for range 5 {
		l.Failure("locked@example.org")
	}
	if got := l.Len(); got != 1001 {
		t.Fatalf("Len = %d, want 1001", got)
	}
	// Past the window the single failures are gone, the lock is not.
	clk.Advance(15*time.Minute + time.Second)
	l.Failure("trigger@example.org")
	if got := l.Len(); got != 2 {
		t.Fatalf("after the window Len = %d, want 2 (the lock and the trigger)", got)
	}
	if ok, _ := l.Allowed("locked@example.org"); ok {
		t.Fatal("eviction removed a live lock")
	}
	// Past window+lockFor everything is gone.
	clk.Advance(30 * time.Minute)
	l.Failure("trigger2@example.org")
	if got := l.Len(); got != 1 {
		t.Fatalf("after window+lockFor Len = %d, want 1", got)
	}
}

func TestLimiterMaxEntries(t *testing.T) {
	clk := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	l := NewLimiter(2, time.Hour, time.Hour, clk.Now)
	l.maxEntries = 10
	l.Failure("victim@example.org")
	l.Failure("victim@example.org") // locked
	for i := range 100 {
		clk.Advance(time.Millisecond)
		l.Failure(fmt.Sprintf("spray%d@example.org", i))
	}
	if got := l.Len(); got > 10 {
		t.Fatalf("Len = %d, want at most 10", got)
	}
	if ok, _ := l.Allowed("victim@example.org"); ok {
		t.Fatal("a spray of unknown emails evicted a live lock")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(5, time.Minute, time.Minute, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				e := fmt.Sprintf("u%d@example.org", (g*7+i)%13)
				l.Allowed(e)
				l.Failure(e)
				if i%17 == 0 {
					l.Success(e)
				}
			}
		}()
	}
	wg.Wait()
	if l.Len() > 13 {
		t.Fatalf("Len = %d, want at most 13", l.Len())
	}
}

func TestActorContext(t *testing.T) {
	ctx := context.Background()
	if ActorFrom(ctx) != nil {
		t.Fatal("anonymous context has an actor")
	}
	a := &Actor{UserID: 7, Email: "a@example.org"}
	if got := ActorFrom(WithActor(ctx, a)); got != a {
		t.Fatalf("ActorFrom = %v, want %v", got, a)
	}
	if ActorFrom(WithActor(ctx, nil)) != nil {
		t.Fatal("WithActor(nil) gives an actor")
	}
}

func TestActorInstitutions(t *testing.T) {
	tests := []struct {
		name  string
		actor *Actor
		want  []int64
	}{
		{"nil", nil, nil},
		{"no roles", &Actor{UserID: 1}, []int64{}},
		{"sorted", &Actor{Roles: map[int64][]string{9: {"AUDITOR"}, 2: {"COORDINATOR"}, 5: {"PARTNER", "AUDITOR"}}}, []int64{2, 5, 9}},
		{"empty role lists skipped", &Actor{Roles: map[int64][]string{3: nil, 4: {}, 1: {"FOCAL_POINT"}}}, []int64{1}},
		{"admin lists only explicit roles", &Actor{Admin: true, Roles: map[int64][]string{0: {"ADMIN"}, 4: {"LEADERSHIP"}}}, []int64{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.actor.Institutions()
			if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("Institutions() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestActorHasAnyRole(t *testing.T) {
	coord := &Actor{Roles: map[int64][]string{1: {"COORDINATOR"}, 2: {}}}
	admin := &Actor{Admin: true}
	tests := []struct {
		name  string
		actor *Actor
		inst  int64
		want  bool
	}{
		{"anonymous", nil, 1, false},
		{"role held", coord, 1, true},
		{"empty role list", coord, 2, false},
		{"other institution", coord, 3, false},
		{"zero id", coord, 0, false},
		{"admin anywhere", admin, 42, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.HasAnyRole(tt.inst); got != tt.want {
				t.Fatalf("HasAnyRole(%d) = %v, want %v", tt.inst, got, tt.want)
			}
		})
	}
}
