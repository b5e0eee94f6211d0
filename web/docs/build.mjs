// Copies the Swagger UI bundle into dist/ so the server can serve /docs
// without any CDN.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const src = join('node_modules', 'swagger-ui-dist')
mkdirSync(join('dist', 'assets'), { recursive: true })
for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
  copyFileSync(join(src, f), join('dist', 'assets', f))
}
writeFileSync(join('dist', 'index.html'), `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Zuju API 文档</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <noscript>API 文档需要 JavaScript；原始文档见 <a href="/openapi.json">/openapi.json</a></noscript>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`)
writeFileSync(join('dist', 'assets', 'init.js'), `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  persistAuthorization: true,
})
`)
