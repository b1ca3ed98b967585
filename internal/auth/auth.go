// Package auth holds the pieces of sign-in that need no database: password
// hashing (argon2id), random secrets for tokens and API keys, the rule of
// sign-in throttling, and the Actor that a request carries in its context.
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
	"net/netip"
	"slices"
	"strings"
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
// Sign-in throttling
//
// Failed sign-ins are counted under two keys: the client address (as
// ThrottleAddr gives it), and that address together with the email tried. Too many failures lock the key
// for a while; a locked key refuses every sign-in it covers, right password
// or not. No key holds the email alone, so failures from one address never
// stop a correct sign-in for the same email from another address. The
// functions here are the rule only: the counts are stored by the caller
// (in the database, so that every instance shares them).

// Default throttling: 5 failures for one address and one email within 15
// minutes of the first of them lock that pair for 15 minutes; 20 failures
// from one address within 15 minutes, whatever the emails, lock the address
// for 15 minutes.
const (
	DefaultPairMaxFailures = 5
	DefaultPairWindow      = 15 * time.Minute
	DefaultPairLockFor     = 15 * time.Minute
	DefaultAddrMaxFailures = 20
	DefaultAddrWindow      = 15 * time.Minute
	DefaultAddrLockFor     = 15 * time.Minute
)

// ThrottleRule locks a key for LockFor once MaxFailures failures have been
// counted within Window of the first of them (a fixed window that starts
// at the first failure counted; the next failure after it starts a new one).
// MaxFailures below 1 counts as 1.
type ThrottleRule struct {
	MaxFailures int
	Window      time.Duration
	LockFor     time.Duration
}

// Throttle is the pair of rules every sign-in is checked against.
type Throttle struct {
	Pair ThrottleRule // one client address and one email
	Addr ThrottleRule // one client address, any email
}

// DefaultThrottle is the throttling of the service (the Default…
// constants).
func DefaultThrottle() Throttle {
	return Throttle{
		Pair: ThrottleRule{MaxFailures: DefaultPairMaxFailures, Window: DefaultPairWindow, LockFor: DefaultPairLockFor},
		Addr: ThrottleRule{MaxFailures: DefaultAddrMaxFailures, Window: DefaultAddrWindow, LockFor: DefaultAddrLockFor},
	}
}

// ThrottleCount is what is stored for one key. The zero value is a key
// with no failures.
type ThrottleCount struct {
	Failures    int       // failures counted since WindowStart (0: none)
	WindowStart time.Time // the first failure of the current window
	LockedUntil time.Time // the end of the lock; zero when none was set
}

// Remaining is how long c keeps its key locked at now; 0 when it does not.
// The lock ends at LockedUntil exactly.
func (r ThrottleRule) Remaining(c ThrottleCount, now time.Time) time.Duration {
	if now.Before(c.LockedUntil) {
		return c.LockedUntil.Sub(now)
	}
	return 0
}

// Fail returns what to store for a key after a failed sign-in at now. A
// failure at or after the end of the window starts a new window; the
// failure that reaches MaxFailures locks the key for LockFor and clears
// the count, so that counting starts afresh once the lock ends. A failure
// while the key is locked changes nothing (the service refuses such
// attempts before checking a password, so only a race gets here).
func (r ThrottleRule) Fail(c ThrottleCount, now time.Time) ThrottleCount {
	if now.Before(c.LockedUntil) {
		return c
	}
	if c.Failures <= 0 || !now.Before(c.WindowStart.Add(r.Window)) {
		c.Failures, c.WindowStart = 0, now
	}
	c.Failures++
	if c.Failures >= max(r.MaxFailures, 1) {
		return ThrottleCount{LockedUntil: now.Add(r.LockFor)}
	}
	return c
}

// Expires is the instant from which c carries no information (its window
// has passed and its lock has ended): from then on its row may be deleted.
func (r ThrottleRule) Expires(c ThrottleCount) time.Time {
	t := c.LockedUntil
	if c.Failures > 0 {
		if w := c.WindowStart.Add(r.Window); w.After(t) {
			t = w
		}
	}
	return t
}

// Allowed reports whether a sign-in may be attempted at now, given the
// stored counts of its pair key (address and email) and of its address
// key. When it may not, retryAfter is the time until every lock that
// applies has ended.
func (t Throttle) Allowed(pair, addr ThrottleCount, now time.Time) (ok bool, retryAfter time.Duration) {
	retryAfter = max(t.Pair.Remaining(pair, now), t.Addr.Remaining(addr, now))
	return retryAfter == 0, retryAfter
}

// ThrottleAddr is the form of a client address by which failures are
// counted: an IPv4 address as is (also when written IPv4-mapped), an IPv6
// address by its /64 prefix (one host usually holds a whole /64, and must
// not escape by rotating through it), anything else (no address known) as
// "unknown" or as given.
func ThrottleAddr(addr string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		if addr = strings.TrimSpace(addr); addr == "" || len(addr) > 64 {
			return "unknown"
		}
		return addr
	}
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// AddrKey is the key that counts the failures of a client address, given
// as ThrottleAddr returns it.
func AddrKey(addr string) string { return "addr:" + addr }

// PairKey is the key that counts the failures of a client address (as
// ThrottleAddr returns it) on one email (trimmed and lower-cased). It holds
// a hash, so that what people typed as their email is not stored, and has a
// fixed length whatever was typed.
func PairKey(addr, email string) string {
	return "pair:" + HashSecret(addr+"\x00"+strings.ToLower(strings.TrimSpace(email)))
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
