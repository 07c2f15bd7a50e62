import { describe, expect, it } from 'vitest';
import { parse } from 'vue/compiler-sfc';

/** Every component of the renderer, as text. */
const COMPONENTS = import.meta.glob<string>('../../src/renderer/src/**/*.vue', { query: '?raw', import: 'default', eager: true });

/** Attributes a person reads or hears: a literal value in one of them is an untranslated string. */
const READ_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-placeholder', 'aria-roledescription', 'aria-valuetext', 'title', 'placeholder', 'alt', 'label']);

// Node types of Vue's template AST (@vue/compiler-core NodeTypes).
const ELEMENT = 1;
const TEXT = 2;
const ATTRIBUTE = 6;

interface TemplateNode {
  type: number;
  content?: string;
  name?: string;
  value?: { content: string } | undefined;
  props?: TemplateNode[];
  children?: TemplateNode[];
  loc: { start: { line: number } };
}

/** A word in any script: Latin, Han, anything but digits, punctuation and symbols. */
const WORDS = /\p{L}/u;

/** Literal user-visible text in a component's template: text nodes and read attributes with letters in them. */
export function literalStrings(source: string): string[] {
  const { descriptor, errors } = parse(source);
  if (errors.length > 0) throw new Error(String(errors[0]));
  const found: string[] = [];
  const walk = (node: TemplateNode) => {
    if (node.type === TEXT && node.content && WORDS.test(node.content)) found.push(`line ${node.loc.start.line}: "${node.content.trim()}"`);
    if (node.type === ELEMENT) {
      for (const prop of node.props ?? []) {
        if (prop.type === ATTRIBUTE && READ_ATTRIBUTES.has(prop.name ?? '') && prop.value && WORDS.test(prop.value.content)) {
          found.push(`line ${prop.loc.start.line}: ${prop.name}="${prop.value.content}"`);
        }
      }
    }
    for (const child of node.children ?? []) walk(child);
  };
  const ast = descriptor.template?.ast as TemplateNode | undefined;
  if (ast) walk(ast);
  return found;
}

describe('component templates hold no literal user-visible string (all of them go through i18n)', () => {
  it('finds the components', () => {
    expect(Object.keys(COMPONENTS).length).toBeGreaterThanOrEqual(15);
  });

  for (const [file, source] of Object.entries(COMPONENTS)) {
    it(file.replace('../../src/renderer/src/', ''), () => {
      expect(literalStrings(source)).toEqual([]);
    });
  }

  it('the scan itself catches literal text and read attributes, in any language, and lets the rest through', () => {
    const sfc = (template: string) => `<template>${template}</template>`;
    expect(literalStrings(sfc('<p>Hello</p>'))).toEqual(['line 1: "Hello"']);
    expect(literalStrings(sfc('<p>你好</p>'))).toEqual(['line 1: "你好"']);
    expect(literalStrings(sfc('<button aria-label="Close"><svg /></button>'))).toEqual(['line 1: aria-label="Close"']);
    expect(literalStrings(sfc('<input placeholder="Search" />'))).toEqual(['line 1: placeholder="Search"']);
    expect(literalStrings(sfc('<img alt="" /><p>{{ t("a.b") }} · 42 %</p>'))).toEqual([]);
    expect(literalStrings(sfc('<div class="card" data-testid="x" :aria-label="t(\'x\')"></div>'))).toEqual([]);
    expect(literalStrings(sfc('<p v-if="x">{{ a }}</p><p v-else>Nothing</p>'))).toEqual(['line 1: "Nothing"']);
  });
});
