-- The peer-plan question in one statement, for pgbench (scripts/peer-bench.sh):
-- a plan, its first 100 actions with lead unit, resource requirements,
-- indicators with their latest measurement, and latest progress update.
\set plan 2
SELECT json_build_object('id', p.id, 'title', p.title, 'status', p.status, 'startDate', p.start_date, 'endDate', p.end_date,
  'totalCount', (SELECT count(*) FROM actions WHERE plan_id = p.id),
  'actions', (SELECT json_agg(json_build_object('id', a.id, 'title', a.title, 'status', a.status,
      'progressPercent', a.progress_percent, 'dueDate', a.due_date,
      'leadUnit', (SELECT json_build_object('id', u.id, 'name', u.name, 'region', u.region) FROM units u WHERE u.id = a.lead_unit_id),
      'resources', (SELECT json_agg(json_build_object('id', r.id, 'kind', r.kind, 'description', r.description,
          'quantityRequired', r.quantity_required, 'quantitySecured', r.quantity_secured, 'amountRequired', r.amount_required,
          'amountSecured', r.amount_secured, 'currency', r.currency) ORDER BY r.id) FROM resource_requirements r WHERE r.action_id = a.id),
      'indicators', (SELECT json_agg(json_build_object('id', i.id, 'name', i.name, 'level', i.level, 'baseline', i.baseline, 'target', i.target,
          'latest', (SELECT json_build_object('value', m.value, 'measuredOn', m.measured_on) FROM measurements m
                     WHERE m.indicator_id = i.id ORDER BY m.measured_on DESC, m.id DESC LIMIT 1)) ORDER BY i.id)
        FROM indicators i WHERE i.action_id = a.id),
      'update', (SELECT json_build_object('createdAt', pu.created_at, 'status', pu.status, 'progressPercent', pu.progress_percent, 'note', pu.note)
        FROM progress_updates pu WHERE pu.action_id = a.id ORDER BY pu.id DESC LIMIT 1)) ORDER BY a.id)
    FROM (SELECT * FROM actions WHERE plan_id = p.id ORDER BY id LIMIT 100) a))
FROM action_plans p WHERE p.id = :plan;
