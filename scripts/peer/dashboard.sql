-- The peer-dashboard question in one statement, for pgbench (scripts/peer-bench.sh):
-- an institution's unit count, its plans with their action counts, and the
-- first 50 actions of one plan with lead unit and resource requirements.
\set inst 1
\set plan 2
SELECT json_build_object('id', i.id, 'name', i.name,
  'units', (SELECT count(*) FROM units WHERE institution_id = i.id),
  'plans', (SELECT json_agg(json_build_object('id', p.id, 'title', p.title, 'status', p.status,
      'actions', (SELECT count(*) FROM actions WHERE plan_id = p.id)) ORDER BY p.id)
    FROM (SELECT * FROM action_plans WHERE institution_id = i.id ORDER BY id LIMIT 20) p),
  'actions', (SELECT json_agg(json_build_object('id', a.id, 'title', a.title, 'status', a.status, 'dueDate', a.due_date,
      'leadUnit', (SELECT json_build_object('id', u.id, 'name', u.name) FROM units u WHERE u.id = a.lead_unit_id),
      'resources', (SELECT json_agg(json_build_object('kind', r.kind, 'amountRequired', r.amount_required, 'amountSecured', r.amount_secured,
          'currency', r.currency, 'quantityRequired', r.quantity_required, 'quantitySecured', r.quantity_secured) ORDER BY r.id)
        FROM resource_requirements r WHERE r.action_id = a.id)) ORDER BY a.id)
    FROM (SELECT * FROM actions WHERE plan_id = :plan ORDER BY id LIMIT 50) a))
FROM institutions i WHERE i.id = :inst;
