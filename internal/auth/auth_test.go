package auth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
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

// t0 is the start of every throttling scenario.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestThrottleRule(t *testing.T) {
	const (
		fail    = "fail"
		wait    = "wait"
		allowed = "allowed"
		locked  = "locked"
	)
	type step struct {
		op string
		d  time.Duration // wait: how long; locked: the expected time left
	}
	fails := func(n int) []step {
		s := make([]step, n)
		for i := range s {
			s[i] = step{fail, 0}
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	def := DefaultThrottle().Pair
	tests := []struct {
		name  string
		rule  ThrottleRule
		steps []step
	}{
		{"no failure allowed", def, []step{{allowed, 0}}},
		{"four failures still allowed", def, cat(fails(4), []step{{allowed, 0}})},
		{"the fifth failure locks for 15 minutes, to the instant", def, cat(fails(5), []step{
			{locked, 15 * time.Minute},
			{wait, 10 * time.Minute}, {locked, 5 * time.Minute},
			{wait, 5*time.Minute - time.Nanosecond}, {locked, time.Nanosecond},
			{wait, time.Nanosecond}, {allowed, 0},
		})},
		{"the last instant of the window still counts", def, cat(fails(1), []step{
			{wait, 15*time.Minute - time.Nanosecond},
		}, fails(4), []step{{locked, 15 * time.Minute}})},
		{"the end of the window starts a new one", def, cat(fails(4), []step{
			{wait, 15 * time.Minute},
		}, fails(4), []step{{allowed, 0}}, fails(1), []step{{locked, 15 * time.Minute}})},
		{"the window is fixed from its first failure", def, cat(fails(1), []step{
			{wait, 10 * time.Minute},
		}, fails(3), []step{{wait, 5 * time.Minute}},
			// 15 minutes after the first failure a new window starts with this one.
			fails(4), []step{{allowed, 0}})},
		{"failures while locked change nothing", def, cat(fails(5), []step{{wait, 14 * time.Minute}},
			fails(5), []step{{locked, time.Minute}, {wait, time.Minute}, {allowed, 0}})},
		{"counting restarts after the lock", def, cat(fails(5), []step{{wait, 15 * time.Minute}},
			fails(4), []step{{allowed, 0}}, fails(1), []step{{locked, 15 * time.Minute}})},
		{"address rule: 20 failures", DefaultThrottle().Addr, cat(fails(19), []step{{allowed, 0}},
			fails(1), []step{{locked, 15 * time.Minute}})},
		{"max failures below one counts as one", ThrottleRule{MaxFailures: 0, Window: time.Minute, LockFor: time.Hour},
			cat([]step{{allowed, 0}}, fails(1), []step{{locked, time.Hour}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			var c ThrottleCount
			for i, s := range tt.steps {
				switch s.op {
				case fail:
					c = tt.rule.Fail(c, now)
				case wait:
					now = now.Add(s.d)
				case allowed:
					if got := tt.rule.Remaining(c, now); got != 0 {
						t.Fatalf("step %d: Remaining = %v, want 0 (count %+v)", i, got, c)
					}
				case locked:
					if got := tt.rule.Remaining(c, now); got != s.d {
						t.Fatalf("step %d: Remaining = %v, want %v (count %+v)", i, got, s.d, c)
					}
				}
			}
		})
	}
}

func TestThrottleRuleFailStores(t *testing.T) {
	r := DefaultThrottle().Pair
	later := t0.Add(time.Minute)
	tests := []struct {
		name string
		in   ThrottleCount
		now  time.Time
		want ThrottleCount
	}{
		{"first failure opens a window", ThrottleCount{}, t0, ThrottleCount{Failures: 1, WindowStart: t0}},
		{"within the window", ThrottleCount{Failures: 2, WindowStart: t0}, later, ThrottleCount{Failures: 3, WindowStart: t0}},
		{"past the window", ThrottleCount{Failures: 4, WindowStart: t0}, t0.Add(15 * time.Minute), ThrottleCount{Failures: 1, WindowStart: t0.Add(15 * time.Minute)}},
		{"the lock clears the count", ThrottleCount{Failures: 4, WindowStart: t0}, later, ThrottleCount{LockedUntil: later.Add(15 * time.Minute)}},
		{"while locked", ThrottleCount{LockedUntil: later}, t0, ThrottleCount{LockedUntil: later}},
		{"after an ended lock", ThrottleCount{LockedUntil: t0}, later, ThrottleCount{Failures: 1, WindowStart: later, LockedUntil: t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Fail(tt.in, tt.now); got != tt.want {
				t.Fatalf("Fail(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestThrottleRuleExpires(t *testing.T) {
	r := ThrottleRule{MaxFailures: 5, Window: 15 * time.Minute, LockFor: 30 * time.Minute}
	tests := []struct {
		name string
		c    ThrottleCount
		want time.Time
	}{
		{"nothing stored", ThrottleCount{}, time.Time{}},
		{"failures: the end of the window", ThrottleCount{Failures: 2, WindowStart: t0}, t0.Add(15 * time.Minute)},
		{"locked: the end of the lock", ThrottleCount{LockedUntil: t0.Add(30 * time.Minute)}, t0.Add(30 * time.Minute)},
		{"ended lock and a later window: the later", ThrottleCount{Failures: 1, WindowStart: t0.Add(40 * time.Minute), LockedUntil: t0.Add(30 * time.Minute)}, t0.Add(55 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Expires(tt.c); !got.Equal(tt.want) {
				t.Fatalf("Expires(%+v) = %v, want %v", tt.c, got, tt.want)
			}
			// From its expiry on, the count acts as no count at all.
			at := tt.want
			got, fresh := r.Fail(tt.c, at), r.Fail(ThrottleCount{}, at)
			if r.Remaining(tt.c, at) != 0 || got.Failures != fresh.Failures || !got.WindowStart.Equal(fresh.WindowStart) {
				t.Fatalf("at its expiry %+v still counts: a failure stores %+v", tt.c, got)
			}
		})
	}
}

func TestThrottleAllowed(t *testing.T) {
	th := DefaultThrottle()
	free := ThrottleCount{Failures: 3, WindowStart: t0}
	lock := func(d time.Duration) ThrottleCount { return ThrottleCount{LockedUntil: t0.Add(d)} }
	tests := []struct {
		name       string
		pair, addr ThrottleCount
		ok         bool
		retry      time.Duration
	}{
		{"neither locked", free, free, true, 0},
		{"pair locked", lock(10 * time.Minute), free, false, 10 * time.Minute},
		{"address locked", free, lock(3 * time.Minute), false, 3 * time.Minute},
		{"both locked: the longer", lock(2 * time.Minute), lock(7 * time.Minute), false, 7 * time.Minute},
		{"locks ended", lock(0), lock(-time.Minute), true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, retry := th.Allowed(tt.pair, tt.addr, t0)
			if ok != tt.ok || retry != tt.retry {
				t.Fatalf("Allowed = %v, %v; want %v, %v", ok, retry, tt.ok, tt.retry)
			}
		})
	}
}

// TestThrottleScenario plays the rule as the service applies it (a store
// of counts by key) through the cases it exists for.
func TestThrottleScenario(t *testing.T) {
	th := DefaultThrottle()
	type store map[string]ThrottleCount
	// attempt signs in from addr as email and reports whether the attempt
	// was let through; a let-through attempt with a wrong password counts.
	attempt := func(s store, now time.Time, addr, email string, right bool) bool {
		addr = ThrottleAddr(addr)
		pk, ak := PairKey(addr, email), AddrKey(addr)
		if ok, _ := th.Allowed(s[pk], s[ak], now); !ok {
			return false
		}
		if right {
			delete(s, pk)
		} else {
			s[pk], s[ak] = th.Pair.Fail(s[pk], now), th.Addr.Fail(s[ak], now)
		}
		return true
	}
	const victim = "victim@example.org"
	t.Run("an attacker cannot lock the victim out from elsewhere", func(t *testing.T) {
		s := store{}
		for range 100 {
			attempt(s, t0, "203.0.113.9", victim, false)
		}
		if attempt(s, t0, "203.0.113.9", victim, true) {
			t.Fatal("the attacker's address is not locked")
		}
		if !attempt(s, t0, "198.51.100.4", victim, true) {
			t.Fatal("the victim's correct sign-in from another address was refused")
		}
	})
	t.Run("the pair locks after 5, other emails from the address go on", func(t *testing.T) {
		s := store{}
		for range 5 {
			attempt(s, t0, "192.0.2.1", victim, false)
		}
		if attempt(s, t0, "192.0.2.1", victim, true) {
			t.Fatal("the pair is not locked")
		}
		if !attempt(s, t0, "192.0.2.1", "colleague@example.org", true) {
			t.Fatal("another email from the same address was refused")
		}
	})
	t.Run("spraying many emails locks the address after 20", func(t *testing.T) {
		s := store{}
		for i := range 20 {
			if !attempt(s, t0, "192.0.2.1", fmt.Sprintf("u%d@example.org", i), false) {
				t.Fatalf("attempt %d refused", i+1)
			}
		}
		if attempt(s, t0, "192.0.2.1", "fresh@example.org", true) {
			t.Fatal("the address is not locked")
		}
		if !attempt(s, t0.Add(15*time.Minute), "192.0.2.1", "fresh@example.org", true) {
			t.Fatal("the address is still locked after 15 minutes")
		}
	})
	t.Run("a success resets the pair, not the address", func(t *testing.T) {
		s := store{}
		for i := range 19 {
			attempt(s, t0, "192.0.2.1", victim, false)
			if i%4 == 3 {
				attempt(s, t0, "192.0.2.1", victim, true)
			}
		}
		if !attempt(s, t0, "192.0.2.1", victim, true) {
			t.Fatal("a pair reset by successes was refused")
		}
		attempt(s, t0, "192.0.2.1", victim, false) // the 20th failure of the address
		if attempt(s, t0, "192.0.2.1", "other@example.org", true) {
			t.Fatal("successes reset the address count")
		}
	})
	t.Run("an IPv6 host cannot rotate through its /64", func(t *testing.T) {
		s := store{}
		for i := range 20 {
			attempt(s, t0, fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprintf("u%d@example.org", i), false)
		}
		if attempt(s, t0, "2001:db8:1:2:abcd::1", "other@example.org", true) {
			t.Fatal("the /64 is not locked")
		}
		if !attempt(s, t0, "2001:db8:1:3::1", victim, true) {
			t.Fatal("the next /64 was refused")
		}
	})
}

func TestThrottleAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{" 192.0.2.1 ", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"127.0.0.2", "127.0.0.2"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8::1", "2001:db8::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"", "unknown"},
		{"  ", "unknown"},
		{"pipe", "pipe"},
		{strings.Repeat("x", 65), "unknown"},
	}
	for _, tt := range tests {
		if got := ThrottleAddr(tt.in); got != tt.want {
			t.Errorf("ThrottleAddr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestThrottleKeys(t *testing.T) {
	k := PairKey("192.0.2.1", "Alice@Example.org")
	if k != PairKey("192.0.2.1", " alice@example.org ") {
		t.Error("the pair key depends on the case or spaces of the email")
	}
	if k == PairKey("192.0.2.2", "alice@example.org") || k == PairKey("192.0.2.1", "bob@example.org") {
		t.Error("distinct pairs share a key")
	}
	if strings.Contains(k, "alice") || len(k) != len(PairKey("192.0.2.1", strings.Repeat("a", 10000))) {
		t.Errorf("the pair key %q holds the email or grows with it", k)
	}
	if AddrKey("192.0.2.1") != "addr:192.0.2.1" || strings.HasPrefix(k, "addr:") {
		t.Error("address and pair keys overlap")
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
