// Package auth holds the pieces of sign-in that need no database: password
// hashing (argon2id), random secrets for tokens and API keys, login
// throttling, and the Actor that a request carries in its context.
//
// Nothing here ever logs or returns a password, token or secret.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// ---------------------------------------------------------------------------
// Passwords

// Argon2Params are the argon2id cost parameters used by HashPassword.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// PasswordParams are the parameters of new hashes. The default follows the
// OWASP recommendation for argon2id (m=19456 KiB, t=2, p=1). Tests may lower
// them; CheckPassword always uses the parameters stored in the hash, so
// changing them never invalidates stored hashes.
var PasswordParams = Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password length limits, counted in characters (Unicode code points).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// Errors returned by ValidatePassword.
var (
	ErrPasswordTooShort = fmt.Errorf("password must be at least %d characters long", MinPasswordLen)
	ErrPasswordTooLong  = fmt.Errorf("password must be at most %d characters long", MaxPasswordLen)
)

// ValidatePassword checks a new password against the length policy: at
// least MinPasswordLen and at most MaxPasswordLen characters. Its errors are
// safe to show to the user.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return ErrPasswordTooShort
	case n > MaxPasswordLen:
		return ErrPasswordTooLong
	}
	return nil
}

// HashPassword hashes pw with argon2id and a random 16-byte salt and returns
// it in PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 no padding>$<hash, base64 no padding>
//
// It does not apply the length policy; call ValidatePassword first for
// passwords chosen by a user.
func HashPassword(pw string) (string, error) {
	p := PasswordParams
	if p.SaltLen == 0 {
		p.SaltLen = 16
	}
	if p.KeyLen == 0 {
		p.KeyLen = 32
	}
	if p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) {
		return "", errors.New("auth: invalid argon2 parameters")
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

func encodePHC(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// Upper bounds on parameters read back from a stored hash, so that a
// corrupted or hostile hash cannot make a login allocate gigabytes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	maxKeyLen    = 256
	maxSaltLen   = 256
)

// decodePHC parses an argon2id PHC string.
func decodePHC(s string) (p Argon2Params, salt, key []byte, err error) {
	bad := errors.New("auth: malformed argon2id hash")
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, bad
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, bad
	}
	var m, t, th uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 {
		return p, nil, nil, bad
	}
	if t == 0 || t > maxTime || th == 0 || th > 255 || m < 8*th || m > maxMemoryKiB {
		return p, nil, nil, bad
	}
	salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) == 0 || len(salt) > maxSaltLen {
		return p, nil, nil, bad
	}
	key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, bad
	}
	p = Argon2Params{Memory: m, Time: t, Threads: uint8(th), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// CheckPassword reports whether pw matches hash, a PHC string made by
// HashPassword. The comparison is constant-time. A malformed hash never
// matches.
func CheckPassword(hash, pw string) bool {
	p, salt, key, err := decodePHC(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummySalt and dummyKey make the fixed hash DummyCheck verifies against.
// No password derives to an all-zero key in practice.
var (
	dummySalt = []byte("gendertrack-dumm") // 16 bytes
	dummyKey  = make([]byte, 32)
)

// DummyCheck spends the time of one CheckPassword against a hash made with
// the current PasswordParams, and always fails. Call it when the email of a
// login is unknown, so that the answer time does not tell whether an
// account exists.
func DummyCheck(pw string) {
	p := PasswordParams
	p.SaltLen, p.KeyLen = uint32(len(dummySalt)), uint32(len(dummyKey))
	_ = CheckPassword(encodePHC(p, dummySalt, dummyKey), pw)
}

// ---------------------------------------------------------------------------
// Secrets (login tokens, API keys)

// Prefixes of the two kinds of bearer secret.
const (
	TokenPrefix  = "gtt_"
	APIKeyPrefix = "gtk_"
)

// NewSecret returns prefix followed by 32 random bytes in unpadded
// base64url (43 characters), e.g. NewSecret(TokenPrefix).
func NewSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret returns the lower-case hex SHA-256 of the whole secret, prefix
// included: the form in which tokens and API keys are stored and looked up.
// Secrets carry 256 bits of entropy, so a fast hash is the right tool.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ---------------------------------------------------------------------------
// Login throttling

// Defaults used by the service: 5 failures within 15 minutes lock the
// email for 15 minutes.
const (
	DefaultMaxFailures   = 5
	DefaultFailureWindow = 15 * time.Minute
	DefaultLockFor       = 15 * time.Minute
	// DefaultLimiterMaxEntries bounds the number of emails a Limiter tracks.
	DefaultLimiterMaxEntries = 100_000
)

// Limiter throttles logins per email (trimmed and lower-cased). After
// maxFailures failures within window, the email is locked for lockFor.
// It is safe for concurrent use and its memory is bounded: entries idle for
// longer than window+lockFor are evicted, and at most maxEntries emails are
// tracked.
type Limiter struct {
	maxFailures int
	window      time.Duration
	lockFor     time.Duration
	now         func() time.Time
	maxEntries  int

	mu        sync.Mutex
	entries   map[string]*limiterEntry
	lastSweep time.Time
}

type limiterEntry struct {
	failures    []time.Time // within window, oldest first, fewer than maxFailures
	lockedUntil time.Time
	last        time.Time // latest failure
}

// expiry is the instant after which the entry carries no information.
func (e *limiterEntry) expiry(window time.Duration) time.Time {
	t := e.lockedUntil
	if w := e.last.Add(window); w.After(t) {
		t = w
	}
	return t
}

// NewLimiter returns a Limiter. now is the clock (time.Now when nil);
// maxFailures below 1 counts as 1.
func NewLimiter(maxFailures int, window, lockFor time.Duration, now func() time.Time) *Limiter {
	if maxFailures < 1 {
		maxFailures = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		maxFailures: maxFailures,
		window:      window,
		lockFor:     lockFor,
		now:         now,
		maxEntries:  DefaultLimiterMaxEntries,
		entries:     make(map[string]*limiterEntry),
	}
}

func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Allowed reports whether a login for email may be attempted now; when it
// may not, retryAfter is the time left until the lock ends.
func (l *Limiter) Allowed(email string) (ok bool, retryAfter time.Duration) {
	key := normalizeEmail(email)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil || !now.Before(e.lockedUntil) {
		return true, 0
	}
	return false, e.lockedUntil.Sub(now)
}

// Failure records a failed login for email. The failure that reaches
// maxFailures within window starts the lock. Failures recorded while the
// email is locked are ignored (they neither extend the lock nor count
// towards the next one).
func (l *Limiter) Failure(email string) {
	key := normalizeEmail(email)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maybeSweep(now)

	e := l.entries[key]
	if e == nil {
		if len(l.entries) >= l.maxEntries {
			l.makeRoom(now)
		}
		e = &limiterEntry{}
		l.entries[key] = e
	}
	if now.Before(e.lockedUntil) {
		return
	}
	// Drop failures that fell out of the window.
	cut := 0
	for cut < len(e.failures) && !e.failures[cut].After(now.Add(-l.window)) {
		cut++
	}
	e.failures = append(e.failures[:0], e.failures[cut:]...)
	e.failures = append(e.failures, now)
	e.last = now
	if len(e.failures) >= l.maxFailures {
		e.lockedUntil = now.Add(l.lockFor)
		e.failures = e.failures[:0]
	}
}

// Success forgets the failures of email (a successful login resets it).
func (l *Limiter) Success(email string) {
	key := normalizeEmail(email)
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// Len returns the number of emails currently tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// maybeSweep evicts expired entries at most once a minute (amortised
// constant time per call). Caller holds l.mu.
func (l *Limiter) maybeSweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	l.sweep(now)
}

// sweep evicts entries older than window+lockFor: those whose last failure
// is out of the window and whose lock has ended. Caller holds l.mu.
func (l *Limiter) sweep(now time.Time) {
	for k, e := range l.entries {
		if !now.Before(e.expiry(l.window)) {
			delete(l.entries, k)
		}
	}
}

// makeRoom is called when the table is full: it evicts expired entries and,
// if none was expired, the one that would expire first (unlocked entries
// before locked ones). Caller holds l.mu.
func (l *Limiter) makeRoom(now time.Time) {
	l.sweep(now)
	if len(l.entries) < l.maxEntries {
		return
	}
	var victim string
	var victimLocked bool
	var victimExp time.Time
	first := true
	for k, e := range l.entries {
		locked := now.Before(e.lockedUntil)
		exp := e.expiry(l.window)
		if first || (!locked && victimLocked) || (locked == victimLocked && exp.Before(victimExp)) {
			victim, victimLocked, victimExp, first = k, locked, exp, false
		}
	}
	delete(l.entries, victim)
}

// ---------------------------------------------------------------------------
// Actor

// Actor is who a request acts for: a signed-in user, or an API key acting
// with one role over a set of institutions. A nil *Actor is anonymous.
type Actor struct {
	UserID   int64 // the user, or the user who created the API key
	APIKeyID int64 // non-zero when the request carries an API key
	Email    string
	Name     string
	Admin    bool // holds ADMIN (every institution)
	// System marks start-up tasks and operator commands (demo data, the
	// first admin, `gendertrack user …`): allowed everything, audited with
	// no actor.
	System bool
	Roles  map[int64][]string // institution ID → roles held there
	// TokenHash is HashSecret of the bearer credential of the request, so
	// that logout can revoke it. Never the secret itself.
	TokenHash string
}

type actorKey struct{}

// WithActor returns a copy of ctx that carries a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the Actor of ctx, or nil when the request is anonymous.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// Institutions returns, in ascending order, the IDs of the institutions in
// which the actor holds at least one role through Roles. It does not list
// every institution for an Admin: callers check Admin themselves. Nil for
// an anonymous (nil) actor.
func (a *Actor) Institutions() []int64 {
	if a == nil {
		return nil
	}
	ids := make([]int64, 0, len(a.Roles))
	for id, roles := range a.Roles {
		if id > 0 && len(roles) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// HasAnyRole reports whether the actor may see institution inst at all:
// it is an Admin, or it holds at least one role there. False for an
// anonymous (nil) actor.
func (a *Actor) HasAnyRole(inst int64) bool {
	if a == nil {
		return false
	}
	if a.Admin {
		return true
	}
	return inst > 0 && len(a.Roles[inst]) > 0
}
