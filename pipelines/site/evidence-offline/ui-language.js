// @evidence-offline-patch
// The words Evidence's own components print (a table's pager and search box, a dropdown's "Select all", a chart's
// empty state, the header's menu), in the reader's language. Installed into @evidence-dev/core-components as
// dist/ui-language.js; the components patched beside it (the *.svelte.patch files) read their words from here.
//
// Why a Svelte context, not the URL or <html lang>: the pages are prerendered on the server, where there is no
// document, and a module-level store would be shared by every page rendered in the same process. The site's layout
// (reports/+layout.svelte) sets the context from the page's path, so the server and the browser print the same
// words. A component rendered with no such context (Evidence's own pages, another project) prints English, as
// upstream does.

import { getContext } from "svelte";
import { derived, readable } from "svelte/store";

/** The context key the layout sets to a store of the page's language ('zh' or 'en'). */
export const UI_LANGUAGE_CONTEXT = "evidence-ui-language";

/** @typedef {typeof ENGLISH} UiText */

const ENGLISH = {
  noResults: "No Results",
  /** Before and after the page number the reader may type, e.g. "Page [3] / 10". */
  pageBefore: "Page",
  pageAfter: "",
  firstPage: "first-page",
  previousPage: "previous-page",
  nextPage: "next-page",
  lastPage: "last-page",
  /** @param {string} shown @param {string} total */
  recordsOf: (shown, total) => `${shown} of ${total} records`,
  search: "Search",
  fullscreen: "Fullscreen",
  download: "Download",
  seeMore: "See more",
  links: "Links",
  noOptionFound: "No results found.",
  selectAll: "Select all",
  clearSelection: "Clear selection",
  /** @param {number} count */
  selectedCount: (count) => `${count} Selected`,
  noRecords: "No Records",
  loading: "Loading...",
  openSidebar: "Open sidebar",
  closeSidebar: "Close sidebar",
  menu: "Menu",
  printPdf: "Print PDF",
  showQueries: "Show Queries",
  hideQueries: "Hide Queries",
  appearance: "Appearance",
  appearanceSystem: "System",
  appearanceLight: "Light",
  appearanceDark: "Dark",
};

/** @type {UiText} */
const CHINESE = {
  noResults: "无匹配结果",
  pageBefore: "第",
  pageAfter: "页",
  firstPage: "首页",
  previousPage: "上一页",
  nextPage: "下一页",
  lastPage: "末页",
  recordsOf: (shown, total) => `共 ${total} 条，本页 ${shown} 条`,
  search: "搜索",
  fullscreen: "全屏",
  download: "下载",
  seeMore: "查看详情",
  links: "链接",
  noOptionFound: "没有匹配的选项",
  selectAll: "全选",
  clearSelection: "清除选择",
  selectedCount: (count) => `已选 ${count} 项`,
  noRecords: "暂无数据",
  loading: "加载中…",
  openSidebar: "打开导航",
  closeSidebar: "关闭导航",
  menu: "菜单",
  printPdf: "打印 PDF",
  showQueries: "显示查询",
  hideQueries: "隐藏查询",
  appearance: "外观",
  appearanceSystem: "跟随系统",
  appearanceLight: "浅色",
  appearanceDark: "深色",
};

/** @type {Record<string, UiText>} */
const TEXT = { en: ENGLISH, zh: CHINESE };

/**
 * The words of the page being rendered, as a store. Call it while a component is created (it reads a context).
 * @returns {import('svelte/store').Readable<UiText>}
 */
export function uiText() {
  /** @type {import('svelte/store').Readable<string> | undefined} */
  const language = getContext(UI_LANGUAGE_CONTEXT);
  return derived(language ?? readable("en"), (code) => TEXT[code] ?? ENGLISH);
}
