// Starts GraphiQL against the server that served this page. A file of its own, not an inline
// script, so the page's Content-Security-Policy can admit this server's scripts and no others.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  if (typeof GraphiQL === 'undefined' || typeof React === 'undefined' || typeof ReactDOM === 'undefined') {
    // Say so, rather than leaving "Loading…" on screen for ever.
    root.innerHTML = '<p class="guanjia-notice">GraphiQL 的脚本未能加载，请检查服务器日志。<br>' +
      'GraphiQL\'s scripts did not load; see the server\'s log.</p>';
    return;
  }
  // The page is served at the GraphQL endpoint itself, so its own address is the endpoint, and
  // the websocket sits beside it at <endpoint>/ws, ws: or wss: as the page came. Taken from the
  // page's location, both hold behind a proxy with another host, port or path prefix.
  var endpoint = new URL(window.location.pathname, window.location.href);
  var subscriptions = new URL(endpoint.pathname.replace(/\/+$/, '') + '/ws', endpoint);
  subscriptions.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  // Shown on a first visit (GraphiQL keeps the user's own tabs after that). It says where the
  // token goes, since nearly every field needs one; the headers editor is open from the start.
  var defaultQuery = [
    '# 管家 Guanjia GraphQL',
    '#',
    '# 登录取得令牌 / Sign in for a token:',
    '#   mutation {',
    '#     login(phone: "…", password: "…") {',
    '#       accessToken',
    '#     }',
    '#   }',
    '# 令牌填入下方 Headers / the token goes in Headers:',
    '#   { "Authorization": "Bearer <accessToken>" }',
    '# 集成方的 API 密钥 / an integrator\'s API key:',
    '#   { "X-Api-Key": "<key>" }',
    '# 英文消息 / messages in English:',
    '#   { "Accept-Language": "en" }',
    '# 文档在左侧 Docs / the schema is under Docs, left.',
    '',
    'query Me {',
    '  me {',
    '    displayName',
    '    phone',
    '  }',
    '}',
    ''
  ].join('\n');

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({
        url: endpoint.toString(),
        // GraphiQL sends the headers editor's values in connection_init, where the server
        // reads the token for subscriptions.
        subscriptionUrl: subscriptions.toString()
      }),
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      // shouldPersistHeaders is left unset: GraphiQL then keeps headers (a token is a secret)
      // out of the browser's storage unless the user turns that on in its settings; setting
      // it to false would hide that switch.
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
