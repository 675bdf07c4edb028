/**
 * What a reader sees of an element of the dashboard page in Chromium: its text, size and the
 * contrast of its text against what is behind it.
 */
import type { Page } from "playwright-core";

/** WCAG 2's minimum contrast for body text (level AA). */
export const READABLE = 4.5;

/** What a reader sees of an element, read at once (the page redraws panels whole). */
export interface Legibility {
  readonly text: string;
  readonly width: number;
  readonly height: number;
  readonly title: string | null;
  /** WCAG 2 contrast ratio of its text against what is behind it. */
  readonly contrast: number;
}

/**
 * An element's text, size and the contrast ratio (WCAG 2) of its text against what is behind
 * it: its own and its ancestors' backgrounds, composited. Colours are read through a canvas, so
 * every CSS colour syntax the page uses (`color-mix()` included) comes back as sRGB bytes.
 */
export function legibility(page: Page, selector: string): Promise<Legibility> {
  // Runs in the page. The tests compile without the DOM's types: globals come from the element.
  // The element is looked up inside the one evaluation, so a redraw cannot come in between.
  return page.locator("body").evaluate((body, selector) => {
    const el = body.querySelector(selector);
    if (el === null) throw new Error(`No element matches ${selector}`);
    const win = el.ownerDocument.defaultView!;
    const canvas = el.ownerDocument.createElement("canvas");
    canvas.width = canvas.height = 1;
    const g = canvas.getContext("2d", { willReadFrequently: true })!;
    const rgba = (css: string): number[] => {
      g.clearRect(0, 0, 1, 1);
      g.fillStyle = css;
      g.fillRect(0, 0, 1, 1);
      const [r = 0, gr = 0, b = 0, a = 0] = g.getImageData(0, 0, 1, 1).data;
      return [r, gr, b, a / 255];
    };
    const over = (top: number[], below: number[]): number[] => {
      const a = top[3]!;
      return [0, 1, 2].map((i) => a * top[i]! + (1 - a) * below[i]!);
    };
    const layers: (typeof el)[] = [];
    for (let e: typeof el | null = el; e; e = e.parentElement) layers.unshift(e);
    let behind = [255, 255, 255];
    for (const layer of layers) {
      behind = over(rgba(win.getComputedStyle(layer).backgroundColor), behind);
    }
    const text = over(rgba(win.getComputedStyle(el).color), behind);
    const luminance = (rgb: number[]) => {
      const [r, gr, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * gr! + 0.0722 * b!;
    };
    const [light, dark] = [luminance(text), luminance(behind)].sort((a, b) => b - a);
    const { width, height } = el.getBoundingClientRect();
    return {
      text: (el as { innerText?: string }).innerText ?? "",
      width,
      height,
      title: el.getAttribute("title"),
      contrast: (light! + 0.05) / (dark! + 0.05),
    };
  }, selector);
}
