// Starts GraphiQL on the /graphiql page. It is a file of its own, not an
// inline script, so the page's Content-Security-Policy allows no inline
// script at all.
(function () {
  'use strict';
  var el = document.getElementById('graphiql');
  var url = new URL(el.getAttribute('data-endpoint'), window.location.href).toString();
  var defaultQuery = [
    '# Sign in (uncomment, run):',
    '# mutation {',
    '#   login(input: {',
    '#     email: "you@example.org"',
    '#     password: "..."',
    '#   }) {',
    '#     token',
    '#     userErrors { message }',
    '#   }',
    '# }',
    '# Then in Headers below:',
    '# {"Authorization":',
    '#   "Bearer <token>"}',
    '',
    'query Viewer {',
    '  viewer { name email }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(el);
  root.render(React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: url }),
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: 'headers',
    visiblePlugin: 'Documentation Explorer'
  }));
})();
