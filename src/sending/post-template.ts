// A post's subject and bodies are handlebars templates rendered per member ({{unsubscribeUrl}}, {{manageUrl}},
// {{address}}, {{listName}}, {{listDisplayName}}). Compiled once per post, rendered per message.
import Handlebars from 'handlebars';

export interface PostTemplateVars {
  unsubscribeUrl: string;
  manageUrl: string;
  address: string;
  listName: string;
  listDisplayName: string;
}

export interface CompiledPost {
  subject: (v: PostTemplateVars) => string;
  text: ((v: PostTemplateVars) => string) | null;
  html: ((v: PostTemplateVars) => string) | null;
  usesManageUrl: boolean;
}

const hbs = Handlebars.create();

const TEXT_FOOTER = '\n\n-- \nYou receive this as a member of {{listDisplayName}}.\nUnsubscribe: {{unsubscribeUrl}}\n';
const HTML_FOOTER =
  '\n<hr><p style="font-size:12px;color:#666">You receive this as a member of {{listDisplayName}}. ' +
  '<a href="{{unsubscribeUrl}}">Unsubscribe</a></p>\n';

export type TemplateCheck = { ok: true } | { ok: false; field: 'subject' | 'text' | 'html'; error: string };

/** Syntax check for the compose form: a broken template is refused when saved, not found at send time. */
export function checkPostTemplates(p: { subject: string; text: string | null; html: string | null }): TemplateCheck {
  for (const field of ['subject', 'text', 'html'] as const) {
    const src = p[field];
    if (src === null || src === undefined) continue;
    try {
      hbs.precompile(src, { strict: false });
    } catch (e) {
      return { ok: false, field, error: (e as Error).message.split('\n')[0] };
    }
  }
  return { ok: true };
}

/** Every post carries its unsubscribe link: a footer is added when the body does not place it itself. */
export function compilePost(p: { subject: string; body_text: string | null; body_html: string | null }): CompiledPost {
  const withFooter = (src: string, footer: string): string => (src.includes('unsubscribeUrl') ? src : src + footer);
  return {
    subject: hbs.compile(p.subject, { noEscape: true }),
    text: p.body_text !== null ? hbs.compile(withFooter(p.body_text, TEXT_FOOTER), { noEscape: true }) : null,
    html: p.body_html !== null ? hbs.compile(withFooter(p.body_html, HTML_FOOTER)) : null,
    usesManageUrl: [p.subject, p.body_text, p.body_html].some((t) => t !== null && t.includes('manageUrl')),
  };
}
