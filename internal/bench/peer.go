package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/gendertrack/gendertrack/internal/gid"
)

// The peer scenarios ask gendertrack and a generic GraphQL-over-PostgreSQL
// server (PostGraphile 4, docs/PERFORMANCE.md "Against a generic server")
// the same question about the same records, so that the two can be
// compared request for request. Each query exists twice: in this
// service's schema and in the one PostGraphile derives from the tables
// (default inflection: fooById, barsByFooId, fooByBarId). Both ask for
// rows in id order and the latest measurement and update by date and id.

// peerPlanQuery: a plan with its first 100 actions, each with its lead
// unit, resource requirements, indicators with their latest measurement,
// and latest progress update.
const peerPlanQuery = `query PeerPlan($plan: ID!) {
  node(id: $plan) { ... on ActionPlan { id title status startDate endDate
    actions(first: 100) { totalCount edges { node { id title status progressPercent dueDate
      leadUnit { id name region }
      resources { id kind description quantityRequired quantitySecured amountRequired amountSecured currency }
      indicators { id name level baseline target latest { value measuredOn } }
      updates(first: 1) { edges { node { createdAt status progressPercent note } } } } } } } }
}`

const peerPlanPostGraphile = `query PeerPlan($plan: BigInt!) {
  actionPlanById(id: $plan) { id title status startDate endDate
    actionsByPlanId(first: 100, orderBy: ID_ASC) { totalCount edges { node { id title status progressPercent dueDate
      unitByLeadUnitId { id name region }
      resourceRequirementsByActionId(orderBy: ID_ASC) { nodes { id kind description quantityRequired quantitySecured amountRequired amountSecured currency } }
      indicatorsByActionId(orderBy: ID_ASC) { nodes { id name level baseline target
        measurementsByIndicatorId(first: 1, orderBy: [MEASURED_ON_DESC, ID_DESC]) { nodes { value measuredOn } } } }
      progressUpdatesByActionId(first: 1, orderBy: ID_DESC) { nodes { createdAt status progressPercent note } } } } } }
}`

// peerDashboardQuery: an institution's unit count, its plans with their
// action counts, and the first 50 actions of one plan with lead unit and
// resource requirements.
const peerDashboardQuery = `query PeerDashboard($inst: ID!, $plan: ID!) {
  institution: node(id: $inst) { ... on Institution { id name units(first: 0) { totalCount }
    actionPlans(first: 20) { edges { node { id title status actions(first: 0) { totalCount } } } } } }
  plan: node(id: $plan) { ... on ActionPlan { id actions(first: 50) { edges { node { id title status dueDate
    leadUnit { id name } resources { kind amountRequired amountSecured currency quantityRequired quantitySecured } } } } } }
}`

const peerDashboardPostGraphile = `query PeerDashboard($inst: BigInt!, $plan: BigInt!) {
  institutionById(id: $inst) { id name unitsByInstitutionId { totalCount }
    actionPlansByInstitutionId(first: 20, orderBy: ID_ASC) { nodes { id title status actionsByPlanId { totalCount } } } }
  actionPlanById(id: $plan) { id actionsByPlanId(first: 50, orderBy: ID_ASC) { nodes { id title status dueDate
    unitByLeadUnitId { id name } resourceRequirementsByActionId(orderBy: ID_ASC) { nodes { kind amountRequired amountSecured currency quantityRequired quantitySecured } } } } }
}`

// PeerScenarios are the scenarios a --peer server can answer too.
var PeerScenarios = []string{"peer-plan", "peer-dashboard"}

// rawID is the database id behind a global ID, as PostGraphile's BigInt.
func rawID(g string) string {
	_, id, _ := gid.Decode(g)
	return strconv.FormatInt(id, 10)
}

// peerScenario returns the operation of a peer scenario against
// gendertrack (c signed in) or, with peer set, against PostGraphile.
func (w *world) peerScenario(name string, c *client, peer bool) op {
	query, opName := peerPlanQuery, "PeerPlan"
	vars := map[string]any{"plan": w.plan}
	if name == "peer-dashboard" {
		query, opName = peerDashboardQuery, "PeerDashboard"
		vars["inst"] = w.institution
	}
	if peer {
		query = peerPlanPostGraphile
		if name == "peer-dashboard" {
			query = peerDashboardPostGraphile
		}
		for k, v := range vars {
			vars[k] = rawID(v.(string))
		}
	}
	return func(ctx context.Context, _ *rand.Rand) error {
		_, err := c.do(ctx, opName, query, vars)
		return err
	}
}

// cpuSeconds is the user and system CPU time a process has used so far
// (/proc/PID/stat), or -1 when it cannot be read.
func cpuSeconds(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}
