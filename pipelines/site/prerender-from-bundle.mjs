#!/usr/bin/env node
// Prerenders the site again from the bundles of an earlier build, with the data now in ./static/data: what
// `vite build` does after bundling, without bundling (see bundle-reuse.ts for when that is safe). Run by
// bundle-reuse.ts with Evidence's template folder as the working directory, after it has put the saved bundles back in
// .svelte-kit/output and the saved state (build data, route metadata, env) in the file named by the first argument.
//
// The steps are SvelteKit 2.8.4's own (src/exports/vite/index.js, writeBundle and closeBundle), called through its
// modules: prerender every page, write the server manifest without the prerendered routes, run the adapter. The
// version is pinned by the offline patch (apply.mjs), which also makes the full build save the state.

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";

const require = createRequire(import.meta.url);
const KIT = path.dirname(require.resolve("@sveltejs/kit/package.json"));

/** @param {string} file a module of SvelteKit, relative to its package root */
const kit = (file) => import(pathToFileURL(path.join(KIT, file)).href);

const statePath = process.argv[2];
if (!statePath) {
  console.error("usage: prerender-from-bundle.mjs <saved bundle state>");
  process.exit(2);
}

/** @type {{ build_data: any, metadata: any, env: Record<string, string>, mode: string }} */
const state = v8.deserialize(readFileSync(statePath));
const out = ".svelte-kit/output";

const [{ default: prerender }, { adapt }, { load_config }, { logger }, { generate_manifest }] = await Promise.all([
  kit("src/core/postbuild/prerender.js"),
  kit("src/core/adapt/index.js"),
  kit("src/core/config/index.js"),
  kit("src/core/utils.js"),
  kit("src/core/generate_manifest/index.js"),
]);

const { prerendered, prerender_map } = await prerender({
  out,
  manifest_path: `${out}/server/manifest-full.js`,
  metadata: state.metadata,
  verbose: false,
  env: state.env,
});

// As SvelteKit does after prerendering: the server manifest lists only the routes that were not prerendered.
writeFileSync(
  `${out}/server/manifest.js`,
  `export const manifest = ${generate_manifest({
    build_data: state.build_data,
    relative_path: ".",
    routes: state.build_data.manifest_data.routes.filter(
      (/** @type {{ id: string }} */ route) => prerender_map.get(route.id) !== true,
    ),
  })};\n`,
);

const config = await load_config();
await adapt(config, state.build_data, state.metadata, prerendered, prerender_map, logger({ verbose: false }), {
  mode: state.mode,
});
