package demo

import (
	"context"
	"fmt"

	"github.com/gendertrack/gendertrack/internal/gaps"
	"github.com/gendertrack/gendertrack/internal/patch"
	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// loadGaps makes sure the demo shows every gap rule, whatever today's date:
// the police plan's fixed dates already show most of them, and two actions
// dated from today add an overdue, stale action led by a unit without focal
// point and without the plan, with an off-track indicator, and a training
// without follow-up whose indicator has not been measured for long. Then
// the leadership acknowledges one flag, the coordinator dismisses another
// with a note, and the focal point raises a MANUAL flag.
func loadGaps(ctx context.Context, s Services, d *Data) error {
	committee, err := as(ctx, s.DB, "committee@demo.gendertrack.org")
	if err != nil {
		return err
	}
	focal, err := as(ctx, s.DB, "focalpoint@demo.gendertrack.org")
	if err != nil {
		return err
	}
	leadership, err := as(ctx, s.DB, "leadership@demo.gendertrack.org")
	if err != nil {
		return err
	}
	coordinator, err := as(ctx, s.DB, "coordinator@demo.gendertrack.org")
	if err != nil {
		return err
	}
	var p store.ActionPlan
	if err := s.DB.NewSelect().Model(&p).Where("institution_id = ?", d.Police.ID).Where("status = 'ADOPTED'").Order("id").Limit(1).Scan(ctx); err != nil {
		return fmt.Errorf("the police plan: %w", err)
	}
	var procedures store.Objective
	if err := s.DB.NewSelect().Model(&procedures).Where("plan_id = ?", p.ID).Order("id").Offset(1).Limit(1).Scan(ctx); err != nil {
		return fmt.Errorf("the procedures objective: %w", err)
	}
	unit := func(name string) (*store.Unit, error) {
		u := d.Units[name]
		if u == nil {
			return nil, fmt.Errorf("demo unit %q is missing", name)
		}
		return u, nil
	}
	now := s.Gaps.Now().UTC()
	day := func(n int) string { return store.FormatDate(now.AddDate(0, 0, n)) }

	// An action of the procedures objective that should have been finished
	// three weeks ago, with no news for four months.
	north, err := unit("Northern Region Police Command")
	if err != nil {
		return err
	}
	register, err := s.Plans.CreateAction(committee, plan.ActionInput{PlanID: p.ID, ObjectiveID: patch.Set(procedures.ID),
		Title:       patch.Set("Introduce the new GBV complaint register in the Northern Region stations"),
		Description: patch.Set("Replace the general complaint book with the GBV register of the standard operating procedure."),
		Kind:        patch.Set("POLICY_OR_PROCEDURE"), LeadUnitID: patch.Set(north.ID), StartDate: patch.Set(day(-150)), DueDate: patch.Set(day(-20))})
	if err != nil {
		return fmt.Errorf("register action: %w", err)
	}
	clerks := planQuantity("PERSONNEL", "Registry clerks trained on the new register", 4, 4, "clerks")
	clerks.ActionID = register.ID
	if _, err := s.Plans.AddResource(committee, clerks); err != nil {
		return err
	}
	stations := planIndicator("Northern Region stations using the GBV register", "OUTCOME", fptr(0), 10, "stations")
	stations.ActionID, stations.BaselineDate, stations.TargetDate = &register.ID, sptr(day(-150)), sptr(day(30))
	ind, err := s.Plans.CreateIndicator(committee, stations)
	if err != nil {
		return err
	}
	if _, _, err := s.Plans.RecordMeasurement(focal, plan.MeasurementInput{IndicatorID: ind.ID, Value: 1, MeasuredOn: day(-10),
		Source: sptr("Regional command report"), Note: sptr("Only the Central Police Station uses it.")}); err != nil {
		return err
	}
	_, u, err := s.Plans.RecordProgress(focal, plan.ProgressInput{ActionID: register.ID, Status: "IN_PROGRESS", ProgressPercent: 30,
		Note: sptr("Registers printed; distribution to the stations pending.")})
	if err != nil {
		return err
	}
	at := now.AddDate(0, 0, -120)
	if _, err := s.DB.NewUpdate().Table("progress_updates").Set("created_at = ?", at).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return err
	}
	if _, err := s.DB.NewUpdate().Table("actions").Set("last_progress_at = ?", at).Where("id = ?", register.ID).Exec(ctx); err != nil {
		return err
	}

	// A training with only an output indicator, last counted long ago.
	station, err := unit("1st District Police Station")
	if err != nil {
		return err
	}
	refresher, err := s.Plans.CreateAction(committee, plan.ActionInput{PlanID: p.ID,
		Title: patch.Set("Refresher training for station reception desk staff"), Kind: patch.Set("TRAINING"),
		LeadUnitID: patch.Set(station.ID), StartDate: patch.Set(day(-30)), DueDate: patch.Set(day(90))})
	if err != nil {
		return fmt.Errorf("refresher action: %w", err)
	}
	trainers := planQuantity("EXPERTISE", "Certified GBV trainers from the Academy", 2, 1, "trainers")
	trainers.ActionID = refresher.ID
	if _, err := s.Plans.AddResource(committee, trainers); err != nil {
		return err
	}
	out := planIndicator("Reception desk staff trained", "OUTPUT", fptr(0), 120, "officers")
	out.ActionID = &refresher.ID
	trained, err := s.Plans.CreateIndicator(committee, out)
	if err != nil {
		return err
	}
	if _, _, err := s.Plans.RecordMeasurement(focal, plan.MeasurementInput{IndicatorID: trained.ID, Value: 40, MeasuredOn: day(-200),
		Source: sptr("Training register of the Academy"), Note: sptr("Trained under the previous programme.")}); err != nil {
		return err
	}

	// States by hand.
	var bid int64
	if err := s.DB.NewSelect().Table("actions").Column("id").Where("plan_id = ?", p.ID).
		Where("title = ?", "Brief the regional commands on the action plan").Scan(ctx, &bid); err != nil {
		return fmt.Errorf("the briefing action: %w", err)
	}
	ack := gaps.Key{Rule: gaps.ActionWithoutResources, SubjectType: "Action", SubjectID: bid, PlanID: p.ID}.ID()
	if _, err := s.Gaps.SetState(leadership, ack, gaps.Acknowledged, sptr("The briefings will be funded from the 2027 budget of the regional commands."), "en"); err != nil {
		return fmt.Errorf("acknowledging a flag: %w", err)
	}
	finance, err := unit("Directorate of Finance and Logistics")
	if err != nil {
		return err
	}
	dismiss := gaps.Key{Rule: gaps.UnitWithoutFocalPoint, SubjectType: "Unit", SubjectID: finance.ID, PlanID: p.ID}.ID()
	if _, err := s.Gaps.SetState(coordinator, dismiss, gaps.Dismissed, sptr("The Director of Finance acts as focal point until the post is filled in the next posting cycle."), "en"); err != nil {
		return fmt.Errorf("dismissing a flag: %w", err)
	}
	if _, err := s.Gaps.Raise(focal, gaps.RaiseInput{InstitutionID: d.Police.ID, PlanID: &p.ID, SubjectType: "Unit", SubjectID: north.ID,
		Category: "COORDINATION", Severity: "HIGH",
		Message: "The Northern Region Police Command sends its GBV case statistics months late; the quarterly reviews go without them."}, "en"); err != nil {
		return fmt.Errorf("raising a flag: %w", err)
	}

	// PEOPLE_INDICATOR_NOT_DISAGGREGATED raised, then cleared: the desk
	// indicator was created without a breakdown by sex; once the flag had
	// been seen, the committee added the SEX dimension, and the flag is
	// RESOLVED (the other people-counting indicator keeps it OPEN).
	deskIn := planIndicator("Survivors received at the GBV desks", "OUTPUT", fptr(0), 400, "survivors")
	deskIn.ActionID = &refresher.ID
	yes := true
	deskIn.CountsPeople = &yes
	desk, err := s.Plans.CreateIndicator(committee, deskIn)
	if err != nil {
		return err
	}
	seen := gaps.Filter{InstitutionID: &d.Police.ID, Rules: []string{gaps.PeopleIndicatorNotDisaggregated}}
	if _, err := s.Gaps.List(leadership, seen, "en"); err != nil {
		return err
	}
	if _, err := s.Plans.UpdateIndicator(committee, desk.ID, desk.Version, plan.IndicatorChange{
		Disaggregation: patch.Set([]plan.DimensionInput{{Kind: plan.DimensionSex}})}); err != nil {
		return fmt.Errorf("the desk indicator by sex: %w", err)
	}
	if _, err := s.Gaps.List(leadership, seen, "en"); err != nil {
		return err
	}
	return nil
}
