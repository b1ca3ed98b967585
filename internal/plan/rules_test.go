package plan

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/money"
	"github.com/gendertrack/gendertrack/internal/store"
)

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := store.ParseDate(s)
	if err != nil {
		t.Fatalf("store.ParseDate(%q): %v", s, err)
	}
	return d
}

// datePtr parses s, or returns nil for "".
func datePtr(t *testing.T, s string) *time.Time {
	t.Helper()
	if s == "" {
		return nil
	}
	d := mustDate(t, s)
	return &d
}

func fptr(f float64) *float64 { return &f }

func TestDaysBetween(t *testing.T) {
	tests := []struct {
		a, b time.Time
		want int
	}{
		{mustDate(t, "2024-01-01"), mustDate(t, "2024-01-01"), 0},
		{mustDate(t, "2024-01-01"), mustDate(t, "2024-01-02"), 1},
		{mustDate(t, "2024-01-02"), mustDate(t, "2024-01-01"), -1},
		{mustDate(t, "2024-02-28"), mustDate(t, "2024-03-01"), 2}, // leap year
		{mustDate(t, "2023-02-28"), mustDate(t, "2023-03-01"), 1},
		{mustDate(t, "2024-01-01"), mustDate(t, "2025-01-01"), 366},
		{mustDate(t, "1969-12-31"), mustDate(t, "1970-01-02"), 2}, // across the epoch
		// Time of day is ignored: 23:59 to 00:01 next day is one day.
		{time.Date(2024, 5, 1, 23, 59, 0, 0, time.UTC), time.Date(2024, 5, 2, 0, 1, 0, 0, time.UTC), 1},
		// Same day, different times: zero.
		{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 23, 59, 0, 0, time.UTC), 0},
	}
	for _, tc := range tests {
		if got := DaysBetween(tc.a, tc.b); got != tc.want {
			t.Errorf("DaysBetween(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestHealth(t *testing.T) {
	const today = "2024-02-20"
	tests := []struct {
		name       string
		status     string
		start, due string // "" = nil
		progress   int
		today      string // default: today
		want       string
	}{
		// First match wins: the status rules beat the overdue rule.
		{name: "completed overdue is blue", status: ActionStatusCompleted, start: "2024-01-01", due: "2024-01-10", progress: 100, want: HealthBlue},
		{name: "completed no dates is blue", status: ActionStatusCompleted, progress: 100, want: HealthBlue},
		{name: "cancelled overdue is grey", status: ActionStatusCancelled, due: "2024-01-10", want: HealthGrey},
		{name: "blocked not due is red", status: ActionStatusBlocked, start: "2024-01-01", due: "2024-12-31", progress: 90, want: HealthRed},
		{name: "blocked no dates is red", status: ActionStatusBlocked, want: HealthRed},

		// Overdue.
		{name: "in progress due yesterday is red", status: ActionStatusInProgress, start: "2024-01-01", due: "2024-02-19", progress: 99, want: HealthRed},
		{name: "in progress due today not overdue", status: ActionStatusInProgress, start: "2024-01-01", due: today, progress: 99, want: HealthGreen},
		{name: "not started due yesterday is red", status: ActionStatusNotStarted, due: "2024-02-19", want: HealthRed},
		{name: "not started due yesterday, start tomorrow is red", status: ActionStatusNotStarted, start: "2024-02-21", due: "2024-02-19", want: HealthRed},

		// NOT_STARTED.
		{name: "not started start today is amber", status: ActionStatusNotStarted, start: today, due: "2024-12-31", want: HealthAmber},
		{name: "not started start yesterday is amber", status: ActionStatusNotStarted, start: "2024-02-19", want: HealthAmber},
		{name: "not started start tomorrow is grey", status: ActionStatusNotStarted, start: "2024-02-21", due: "2024-12-31", want: HealthGrey},
		{name: "not started no start is grey", status: ActionStatusNotStarted, due: "2024-12-31", want: HealthGrey},
		{name: "not started no dates is grey", status: ActionStatusNotStarted, want: HealthGrey},
		{name: "not started due today start today is amber", status: ActionStatusNotStarted, start: today, due: today, want: HealthAmber},

		// IN_PROGRESS threshold: 2024-01-01 .. 2024-04-10 is 100 days, today is day 50,
		// elapsed 0.5, threshold 100*0.5-25 = 25.
		{name: "at threshold is green", status: ActionStatusInProgress, start: "2024-01-01", due: "2024-04-10", progress: 25, want: HealthGreen},
		{name: "one below threshold is amber", status: ActionStatusInProgress, start: "2024-01-01", due: "2024-04-10", progress: 24, want: HealthAmber},
		{name: "above threshold is green", status: ActionStatusInProgress, start: "2024-01-01", due: "2024-04-10", progress: 26, want: HealthGreen},
		// Non-integer threshold: 3-day span, 2 days elapsed, 100*2/3-25 = 41.67.
		{name: "fractional threshold 41 amber", status: ActionStatusInProgress, start: "2024-02-18", due: "2024-02-21", progress: 41, want: HealthAmber},
		{name: "fractional threshold 42 green", status: ActionStatusInProgress, start: "2024-02-18", due: "2024-02-21", progress: 42, want: HealthGreen},
		// Due today, whole span elapsed: threshold 75.
		{name: "due today threshold 75 green", status: ActionStatusInProgress, start: "2024-01-21", due: today, progress: 75, want: HealthGreen},
		{name: "due today 74 amber", status: ActionStatusInProgress, start: "2024-01-21", due: today, progress: 74, want: HealthAmber},
		// Start today: elapsed 0, threshold -25.
		{name: "start today progress 0 green", status: ActionStatusInProgress, start: today, due: "2024-03-20", progress: 0, want: HealthGreen},
		// Before start: elapsed clamped to 0.
		{name: "before start progress 0 green", status: ActionStatusInProgress, start: "2024-03-01", due: "2024-03-31", progress: 0, want: HealthGreen},
		// Start one day ago of a 4-day span: elapsed 0.25, threshold 0: 0 is green.
		{name: "quarter elapsed progress 0 green", status: ActionStatusInProgress, start: "2024-02-19", due: "2024-02-23", progress: 0, want: HealthGreen},
		// Two days of four: threshold 25.
		{name: "half elapsed progress 24 amber", status: ActionStatusInProgress, start: "2024-02-18", due: "2024-02-22", progress: 24, want: HealthAmber},
		// Without both dates IN_PROGRESS is green, whatever the progress.
		{name: "in progress no start green", status: ActionStatusInProgress, due: "2024-03-01", progress: 0, want: HealthGreen},
		{name: "in progress no due green", status: ActionStatusInProgress, start: "2023-01-01", progress: 0, want: HealthGreen},
		{name: "in progress no dates green", status: ActionStatusInProgress, progress: 0, want: HealthGreen},
		// Degenerate span: start == due.
		{name: "start == due == today elapsed 1, 74 amber", status: ActionStatusInProgress, start: today, due: today, progress: 74, want: HealthAmber},
		{name: "start == due == today elapsed 1, 75 green", status: ActionStatusInProgress, start: today, due: today, progress: 75, want: HealthGreen},
		{name: "start == due tomorrow elapsed 0", status: ActionStatusInProgress, start: "2024-02-21", due: "2024-02-21", progress: 0, want: HealthGreen},
		// Degenerate span: due before start (bad data), due today: elapsed 1.
		{name: "due before start, due today", status: ActionStatusInProgress, start: "2024-02-25", due: today, progress: 74, want: HealthAmber},
		{name: "due before start, due later", status: ActionStatusInProgress, start: "2024-02-25", due: "2024-02-22", progress: 0, want: HealthGreen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			day := today
			if tc.today != "" {
				day = tc.today
			}
			got := Health(tc.status, datePtr(t, tc.start), datePtr(t, tc.due), tc.progress, mustDate(t, day))
			if got != tc.want {
				t.Errorf("Health(%s, %q, %q, %d, %s) = %s, want %s", tc.status, tc.start, tc.due, tc.progress, day, got, tc.want)
			}
		})
	}
}

func TestHealthIgnoresTimeOfDay(t *testing.T) {
	due := mustDate(t, "2024-02-20")
	start := mustDate(t, "2024-02-01")
	// Late in the evening of the due date the action is still not overdue.
	now := time.Date(2024, 2, 20, 23, 59, 59, 0, time.UTC)
	if got := Health(ActionStatusInProgress, &start, &due, 100, now); got != HealthGreen {
		t.Errorf("on the due date at 23:59 Health = %s, want GREEN", got)
	}
	// Start "today" at 00:00 while now is later the same day: AMBER for NOT_STARTED.
	startToday := mustDate(t, "2024-02-20")
	if got := Health(ActionStatusNotStarted, &startToday, nil, 0, now); got != HealthAmber {
		t.Errorf("NOT_STARTED with start today Health = %s, want AMBER", got)
	}
	// A start date carrying a later time the same day still counts as today.
	startLater := time.Date(2024, 2, 20, 23, 59, 59, 0, time.UTC)
	if got := Health(ActionStatusNotStarted, &startLater, nil, 0, mustDate(t, "2024-02-20")); got != HealthAmber {
		t.Errorf("NOT_STARTED with start later today Health = %s, want AMBER", got)
	}
}

func TestLatest(t *testing.T) {
	if got := Latest(nil); got != nil {
		t.Errorf("Latest(nil) = %+v, want nil", got)
	}
	ms := []MeasurementPoint{
		{Value: 1, MeasuredOn: mustDate(t, "2024-03-01")},
		{Value: 2, MeasuredOn: mustDate(t, "2024-05-01")}, // newest
		{Value: 3, MeasuredOn: mustDate(t, "2024-04-01")}, // last, but older
	}
	if got := Latest(ms); got == nil || got.Value != 2 {
		t.Errorf("Latest = %+v, want value 2 (newest measuredOn, not last in slice)", got)
	}
	ties := []MeasurementPoint{
		{Value: 1, MeasuredOn: mustDate(t, "2024-05-01")},
		{Value: 2, MeasuredOn: mustDate(t, "2024-05-01")},
		{Value: 3, MeasuredOn: mustDate(t, "2024-04-01")},
	}
	if got := Latest(ties); got == nil || got.Value != 2 {
		t.Errorf("Latest with a tie = %+v, want value 2 (the later of the tied ones)", got)
	}
	first := []MeasurementPoint{
		{Value: 7, MeasuredOn: mustDate(t, "2024-06-01")},
		{Value: 8, MeasuredOn: mustDate(t, "2024-01-01")},
	}
	if got := Latest(first); got == nil || got.Value != 7 {
		t.Errorf("Latest = %+v, want value 7 (newest is first)", got)
	}
	// The result is a copy: changing it leaves the input alone.
	got := Latest(first)
	got.Value = 99
	if first[0].Value != 7 {
		t.Errorf("Latest returned a pointer into its input")
	}
}

func TestIndicatorStatus(t *testing.T) {
	// A 100-day plan gives round elapsed values: 2024-01-01 .. 2024-04-10;
	// today 2024-02-20 is day 50, elapsed 0.5, threshold 0.25.
	const (
		planStart = "2024-01-01"
		planEnd   = "2024-04-10"
		midToday  = "2024-02-20"
	)
	type tc struct {
		name                 string
		baseline             *float64
		target               float64
		baseDate, targetDate string
		value                *float64 // nil: no measurement
		today                string
		want                 string
	}
	tests := []tc{
		{name: "no measurement", baseline: fptr(10), target: 20, today: midToday, want: IndicatorStatusNotMeasured},

		// Increasing target, b=10 t=20.
		{name: "reached exactly", baseline: fptr(10), target: 20, value: fptr(20), today: midToday, want: IndicatorStatusAchieved},
		{name: "passed", baseline: fptr(10), target: 20, value: fptr(25), today: midToday, want: IndicatorStatusAchieved},
		{name: "just below target", baseline: fptr(10), target: 20, value: fptr(19.99), today: midToday, want: IndicatorStatusOnTrack},
		// progress == elapsed - 0.25 = 0.25: v = 12.5 is ON_TRACK; 12.4 is OFF_TRACK.
		{name: "increasing at threshold", baseline: fptr(10), target: 20, value: fptr(12.5), today: midToday, want: IndicatorStatusOnTrack},
		{name: "increasing below threshold", baseline: fptr(10), target: 20, value: fptr(12.4), today: midToday, want: IndicatorStatusOffTrack},
		{name: "increasing moved backwards", baseline: fptr(10), target: 20, value: fptr(5), today: midToday, want: IndicatorStatusOffTrack},

		// Decreasing target, b=50 t=20.
		{name: "decreasing reached", baseline: fptr(50), target: 20, value: fptr(20), today: midToday, want: IndicatorStatusAchieved},
		{name: "decreasing passed", baseline: fptr(50), target: 20, value: fptr(10), today: midToday, want: IndicatorStatusAchieved},
		{name: "decreasing above target not achieved", baseline: fptr(50), target: 20, value: fptr(21), today: midToday, want: IndicatorStatusOnTrack},
		// progress 0.25 at v = 42.5.
		{name: "decreasing at threshold", baseline: fptr(50), target: 20, value: fptr(42.5), today: midToday, want: IndicatorStatusOnTrack},
		{name: "decreasing below threshold", baseline: fptr(50), target: 20, value: fptr(42.6), today: midToday, want: IndicatorStatusOffTrack},
		{name: "decreasing moved up is off track even at start", baseline: fptr(50), target: 20, value: fptr(60), today: planStart, want: IndicatorStatusOffTrack},

		// Missing baseline: b = 0.
		{name: "no baseline at threshold", target: 100, value: fptr(25), today: midToday, want: IndicatorStatusOnTrack},
		{name: "no baseline below threshold", target: 100, value: fptr(24), today: midToday, want: IndicatorStatusOffTrack},
		{name: "no baseline reached", target: 100, value: fptr(100), today: midToday, want: IndicatorStatusAchieved},
		{name: "no baseline negative target reached", target: -10, value: fptr(-10), today: midToday, want: IndicatorStatusAchieved},
		{name: "no baseline negative target not reached", target: -10, value: fptr(-1), today: midToday, want: IndicatorStatusOffTrack},
		{name: "no baseline zero target reached by zero", target: 0, value: fptr(0), today: midToday, want: IndicatorStatusAchieved},

		// Baseline == target.
		{name: "b == t, v == t", baseline: fptr(30), target: 30, value: fptr(30), today: midToday, want: IndicatorStatusAchieved},
		{name: "b == t, v above", baseline: fptr(30), target: 30, value: fptr(31), today: midToday, want: IndicatorStatusAchieved},
		{name: "b == t, v below", baseline: fptr(30), target: 30, value: fptr(29), today: planStart, want: IndicatorStatusOffTrack},

		// Elapsed clamping. Before the start elapsed is 0 (threshold -0.25).
		{name: "before start no progress", baseline: fptr(0), target: 100, value: fptr(0), today: "2023-06-01", want: IndicatorStatusOnTrack},
		{name: "before start progress -0.25", baseline: fptr(0), target: 100, value: fptr(-25), today: "2023-06-01", want: IndicatorStatusOnTrack},
		{name: "before start progress -0.26", baseline: fptr(0), target: 100, value: fptr(-26), today: "2023-06-01", want: IndicatorStatusOffTrack},
		// After the end elapsed is 1 (threshold 0.75); unclamped it would be far above.
		{name: "after end at threshold", baseline: fptr(0), target: 100, value: fptr(75), today: "2025-06-01", want: IndicatorStatusOnTrack},
		{name: "after end below threshold", baseline: fptr(0), target: 100, value: fptr(74), today: "2025-06-01", want: IndicatorStatusOffTrack},
		{name: "on the end date", baseline: fptr(0), target: 100, value: fptr(75), today: planEnd, want: IndicatorStatusOnTrack},
		{name: "on the start date", baseline: fptr(0), target: 100, value: fptr(-25), today: planStart, want: IndicatorStatusOnTrack},

		// Indicator dates override the plan's. A target date of today makes
		// elapsed 1 (threshold 0.75) where the plan's end gives 0.5.
		{name: "target date overrides plan end", baseline: fptr(0), target: 100, targetDate: midToday, value: fptr(50), today: midToday, want: IndicatorStatusOffTrack},
		{name: "plan end without target date", baseline: fptr(0), target: 100, value: fptr(50), today: midToday, want: IndicatorStatusOnTrack},
		// A baseline date of today makes elapsed 0 (threshold -0.25) where the
		// plan's start gives 0.5.
		{name: "baseline date overrides plan start", baseline: fptr(0), target: 100, baseDate: midToday, value: fptr(0), today: midToday, want: IndicatorStatusOnTrack},
		{name: "plan start without baseline date", baseline: fptr(0), target: 100, value: fptr(0), today: midToday, want: IndicatorStatusOffTrack},
		// Degenerate span: baseline date == target date.
		{name: "start == end, on that day elapsed 1", baseline: fptr(0), target: 100, baseDate: midToday, targetDate: midToday, value: fptr(74), today: midToday, want: IndicatorStatusOffTrack},
		{name: "start == end, before it elapsed 0", baseline: fptr(0), target: 100, baseDate: "2024-03-01", targetDate: "2024-03-01", value: fptr(0), today: midToday, want: IndicatorStatusOnTrack},

		// Exact decimals: (0.15-0.1)/(0.3-0.1) is 0.25 exactly, although float64
		// arithmetic gives 0.24999999999999997.
		{name: "decimal values exactly at threshold", baseline: fptr(0.1), target: 0.3, value: fptr(0.15), today: midToday, want: IndicatorStatusOnTrack},
		{name: "decimal values just below threshold", baseline: fptr(0.1), target: 0.3, value: fptr(0.1499), today: midToday, want: IndicatorStatusOffTrack},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			var latest *MeasurementPoint
			if c.value != nil {
				latest = &MeasurementPoint{Value: *c.value, MeasuredOn: mustDate(t, "2024-01-15")}
			}
			got := IndicatorStatus(c.baseline, c.target, datePtr(t, c.baseDate), datePtr(t, c.targetDate),
				mustDate(t, planStart), mustDate(t, planEnd), latest, mustDate(t, c.today))
			if got != c.want {
				t.Errorf("IndicatorStatus = %s, want %s", got, c.want)
			}
		})
	}
}

func TestIndicatorStatusFractionalElapsed(t *testing.T) {
	// A 3-day span with 1 day elapsed: threshold 1/3 - 1/4 = 1/12.
	start := mustDate(t, "2024-01-01")
	end := mustDate(t, "2024-01-04")
	today := mustDate(t, "2024-01-02")
	b := 0.0
	for _, c := range []struct {
		v    float64
		want string
	}{
		{12, IndicatorStatusOnTrack},     // progress 12/144 = 1/12: at the threshold
		{11.99, IndicatorStatusOffTrack}, // just below
	} {
		got := IndicatorStatus(&b, 144, nil, nil, start, end, &MeasurementPoint{Value: c.v, MeasuredOn: today}, today)
		if got != c.want {
			t.Errorf("v=%v: IndicatorStatus = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestIndicatorStatusNonFinite(t *testing.T) {
	// Not valid input, but it must not panic: an infinite target is never
	// reached and no finite value makes progress towards it.
	start, end, today := mustDate(t, "2024-01-01"), mustDate(t, "2024-04-10"), mustDate(t, "2024-02-20")
	b := 0.0
	got := IndicatorStatus(&b, math.Inf(1), nil, nil, start, end, &MeasurementPoint{Value: 5, MeasuredOn: today}, today)
	if got != IndicatorStatusOffTrack {
		t.Errorf("infinite target: %s, want OFF_TRACK", got)
	}
	got = IndicatorStatus(&b, 10, nil, nil, start, end, &MeasurementPoint{Value: math.Inf(1), MeasuredOn: today}, today)
	if got != IndicatorStatusAchieved {
		t.Errorf("infinite value: %s, want ACHIEVED", got)
	}
}

func TestFundingStatusQuantity(t *testing.T) {
	tests := []struct {
		name              string
		required, secured *float64
		want              string
	}{
		{"secured nil", fptr(10), nil, FundingStatusUnsecured},
		{"secured zero", fptr(10), fptr(0), FundingStatusUnsecured},
		{"both zero", fptr(0), fptr(0), FundingStatusUnsecured},
		{"both nil", nil, nil, FundingStatusUnsecured},
		{"below required", fptr(10), fptr(9.5), FundingStatusPartial},
		{"tiny amount secured", fptr(10), fptr(0.001), FundingStatusPartial},
		{"equal", fptr(10), fptr(10), FundingStatusSecured},
		{"above", fptr(10), fptr(12), FundingStatusSecured},
		{"required nil, something secured", nil, fptr(1), FundingStatusSecured},
		{"negative secured", fptr(10), fptr(-1), FundingStatusUnsecured},
	}
	for _, tc := range tests {
		if got := FundingStatusQuantity(tc.required, tc.secured); got != tc.want {
			t.Errorf("%s: FundingStatusQuantity = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestValidateProgress(t *testing.T) {
	tests := []struct {
		status   string
		progress int
		wantErr  string
	}{
		{ActionStatusNotStarted, 0, ""},
		{ActionStatusInProgress, 0, ""},
		{ActionStatusInProgress, 100, ""},
		{ActionStatusCompleted, 100, ""},
		{ActionStatusBlocked, 50, ""},
		{ActionStatusCancelled, 30, ""},
		{ActionStatusCompleted, 99, "completed action needs progress 100"},
		{ActionStatusInProgress, -1, "between 0 and 100"},
		{ActionStatusInProgress, 101, "between 0 and 100"},
		{"DONE", 100, "not an action status"},
		{"completed", 100, "not an action status"},
	}
	for _, tc := range tests {
		err := ValidateProgress(tc.status, tc.progress)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ValidateProgress(%s, %d) = %v, want nil", tc.status, tc.progress, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("ValidateProgress(%s, %d) = nil, want an error about %q", tc.status, tc.progress, tc.wantErr)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("ValidateProgress(%s, %d) = %q, want it to mention %q", tc.status, tc.progress, err, tc.wantErr)
		}
	}
}

func TestPlanStatePredicates(t *testing.T) {
	tests := []struct {
		state              string
		structure, records bool
	}{
		{PlanStateDraft, true, false},
		{PlanStateAdopted, true, true},
		{PlanStateClosed, false, false},
		{"draft", false, false},
	}
	for _, tc := range tests {
		if got := PlanAllowsStructureChanges(tc.state); got != tc.structure {
			t.Errorf("PlanAllowsStructureChanges(%q) = %v, want %v", tc.state, got, tc.structure)
		}
		if got := PlanAllowsRecording(tc.state); got != tc.records {
			t.Errorf("PlanAllowsRecording(%q) = %v, want %v", tc.state, got, tc.records)
		}
	}
}

func TestActionStatusOrder(t *testing.T) {
	want := []string{"NOT_STARTED", "IN_PROGRESS", "COMPLETED", "BLOCKED", "CANCELLED"}
	got := ActionStatusOrder()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("ActionStatusOrder() = %v, want %v", got, want)
	}
	got[0] = "CHANGED"
	if ActionStatusOrder()[0] != "NOT_STARTED" {
		t.Errorf("ActionStatusOrder shares its slice between calls")
	}
	for _, s := range want {
		if !ValidActionStatus(s) {
			t.Errorf("ValidActionStatus(%q) = false", s)
		}
	}
	if ValidActionStatus("in_progress") || ValidActionStatus("") {
		t.Errorf("ValidActionStatus accepts a name that is not in the enum")
	}
}

func TestFundingStatusAmount(t *testing.T) {
	tests := []struct {
		name              string
		required, secured string // "" = nil
		want              string
	}{
		{"secured nil", "1000", "", FundingStatusUnsecured},
		{"secured zero", "1000", "0", FundingStatusUnsecured},
		{"secured 0.00", "1000", "0.00", FundingStatusUnsecured},
		{"both zero", "0", "0", FundingStatusUnsecured},
		{"both nil", "", "", FundingStatusUnsecured},
		{"one unit short in the fourth place", "100.0001", "100", FundingStatusPartial},
		{"smallest amount secured", "100", "0.0001", FundingStatusPartial},
		{"equal, different scale", "100.00", "100", FundingStatusSecured},
		{"above", "100", "150", FundingStatusSecured},
		{"20-digit just below", "12345678901234567890.1234", "12345678901234567890.1233", FundingStatusPartial},
		{"required nil, something secured", "", "1", FundingStatusSecured},
	}
	for _, tc := range tests {
		var req, sec *money.Decimal
		if tc.required != "" {
			req = amtPtr(t, tc.required)
		}
		if tc.secured != "" {
			sec = amtPtr(t, tc.secured)
		}
		if got := FundingStatusAmount(req, sec); got != tc.want {
			t.Errorf("%s: FundingStatusAmount(%s, %s) = %s, want %s", tc.name, tc.required, tc.secured, got, tc.want)
		}
	}
	neg := amt(t, "1").Sub(amt(t, "2"))
	if got := FundingStatusAmount(amtPtr(t, "10"), &neg); got != FundingStatusUnsecured {
		t.Errorf("negative secured: %s, want UNSECURED", got)
	}
}

func amt(t *testing.T, s string) money.Decimal {
	t.Helper()
	d, err := money.ParseAmount(s)
	if err != nil {
		t.Fatalf("ParseAmount(%q): %v", s, err)
	}
	return d
}

func amtPtr(t *testing.T, s string) *money.Decimal {
	t.Helper()
	d := amt(t, s)
	return &d
}

// breakdown over sex and age group: women/under-18, women/18-and-over,
// men/under-18, men/18-and-over.
func sexAge(wu, wa, mu, ma float64) []store.BreakdownValue {
	v := func(sex, age string, x float64) store.BreakdownValue {
		return store.BreakdownValue{Categories: []store.CategoryRef{{Dimension: "sex", Category: sex}, {Dimension: "age-group", Category: age}}, Value: x}
	}
	return []store.BreakdownValue{v("women", "under-18", wu), v("women", "18-and-over", wa), v("men", "under-18", mu), v("men", "18-and-over", ma)}
}

func TestCategoryValue(t *testing.T) {
	bd := sexAge(0.1, 0.2, 0.7, 0.1)
	for _, c := range []struct {
		dim, cat string
		want     *float64
	}{
		{"sex", "women", fptr(0.3)}, // exactly: in float64 0.1 + 0.2 is 0.30000000000000004
		{"sex", "men", fptr(0.8)},
		{"age-group", "under-18", fptr(0.8)},
		{"age-group", "18-and-over", fptr(0.3)},
		{"sex", "other", nil},
		{"region", "women", nil},
	} {
		got := CategoryValue(bd, c.dim, c.cat)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s/%s: got %v, want %v", c.dim, c.cat, got, c.want)
		}
	}
	if CategoryValue(nil, "sex", "women") != nil {
		t.Error("no breakdown has a value")
	}
	// Many small values: the float64 running sum drifts, the exact one does not.
	var many []store.BreakdownValue
	for i := 0; i < 1000; i++ {
		many = append(many, store.BreakdownValue{Categories: []store.CategoryRef{{Dimension: "region", Category: "r"}}, Value: 0.1})
	}
	if got := CategoryValue(many, "region", "r"); *got != 100 {
		t.Errorf("1000 × 0.1 = %v, want 100", *got)
	}
}

// TestCategoryTargetStatus: a category target's status follows
// Indicator.status (RULES.md section 7) with the target's own baseline and
// target and the category's latest value, at the band edges.
func TestCategoryTargetStatus(t *testing.T) {
	// As in TestIndicatorStatus: a 100-day period, today day 50, elapsed
	// 0.5, so OFF_TRACK below progress 0.25.
	start, end, today := mustDate(t, "2024-01-01"), mustDate(t, "2024-04-10"), mustDate(t, "2024-02-20")
	on := mustDate(t, "2024-02-19")
	for _, c := range []struct {
		name     string
		baseline *float64
		target   float64
		dim, cat string
		bd       []store.BreakdownValue
		measured *time.Time
		want     string
		latest   *float64
	}{
		{"no breakdown: not measured", nil, 40, "sex", "women", nil, &on, IndicatorStatusNotMeasured, nil},
		{"no measurement: not measured", nil, 40, "sex", "women", sexAge(1, 9, 1, 9), nil, IndicatorStatusNotMeasured, nil},
		{"category absent: not measured", nil, 40, "sex", "other", sexAge(1, 9, 1, 9), &on, IndicatorStatusNotMeasured, nil},
		// women = wu + wa; baseline 0, target 40: the edge is 10.
		{"progress exactly at the edge: on track", nil, 40, "sex", "women", sexAge(4, 6, 50, 50), &on, IndicatorStatusOnTrack, fptr(10)},
		{"just below the edge: off track", nil, 40, "sex", "women", sexAge(4, 5.99, 50, 50), &on, IndicatorStatusOffTrack, fptr(9.99)},
		{"target reached exactly: achieved", nil, 40, "sex", "women", sexAge(15, 25, 0, 0), &on, IndicatorStatusAchieved, fptr(40)},
		{"just below the target: on track", nil, 40, "sex", "women", sexAge(15, 24.99, 0, 0), &on, IndicatorStatusOnTrack, fptr(39.99)},
		// under-18 = wu + mu, downwards from 20 to 10: the edge is 17.5.
		{"downwards at the edge: on track", fptr(20), 10, "age-group", "under-18", sexAge(10, 0, 7.5, 0), &on, IndicatorStatusOnTrack, fptr(17.5)},
		{"downwards just short of the edge: off track", fptr(20), 10, "age-group", "under-18", sexAge(10, 0, 7.51, 0), &on, IndicatorStatusOffTrack, fptr(17.51)},
		{"downwards reached: achieved", fptr(20), 10, "age-group", "under-18", sexAge(5, 0, 5, 0), &on, IndicatorStatusAchieved, fptr(10)},
		// The exact sum decides: 0.1 + 0.2 reaches 0.3 going down from 1;
		// in float64 (0.30000000000000004) it would not.
		{"exact sum reaches the target", fptr(1), 0.3, "sex", "women", sexAge(0.1, 0.2, 0, 0), &on, IndicatorStatusAchieved, fptr(0.3)},
		{"target equals baseline, not reached: off track", fptr(10), 10, "sex", "men", sexAge(0, 0, 4, 5), &on, IndicatorStatusOffTrack, fptr(9)},
	} {
		t.Run(c.name, func(t *testing.T) {
			latest, got := CategoryTargetStatus(c.baseline, c.target, c.dim, c.cat, c.bd, c.measured, nil, nil, start, end, today)
			if got != c.want || (latest == nil) != (c.latest == nil) || (latest != nil && *latest != *c.latest) {
				t.Fatalf("got %s %v, want %s %v", got, latest, c.want, c.latest)
			}
			// The total's status is the same rule: a total equal to the
			// category's value gives the same answer.
			if c.latest != nil {
				if st := IndicatorStatus(c.baseline, c.target, nil, nil, start, end, &MeasurementPoint{Value: *c.latest, MeasuredOn: on}, today); st != c.want {
					t.Fatalf("the total's status %s, the category's %s", st, c.want)
				}
			}
		})
	}
}
