/**
 * @module cli/attribution
 *
 * One way to print who acted on whose authority, in every command
 * (`authorize`, `action`, `audit show`): from the source of authority to the
 * one who acted, `owner -> agent -> sub-agent` (DESIGN.md, "human owner →
 * agent → sub-agent"). Library and wire data keep their own order (a session's
 * `act` chain lists the current actor first, its `sub` being the owner; the
 * audit `chain` lists the actor first, the owner last); only the display is
 * turned around here.
 */

/** The arrow between two links, pointing from who granted to who received. */
export const ARROW = ' -> ';

/** `ids` in display order (authority first) joined with arrows. */
export function authorityFirst(ids: readonly string[]): string {
  return ids.join(ARROW);
}

/** A chain listed actor first (`[sub-agent, agent, owner]`), printed authority first. */
export function actorFirst(ids: readonly string[]): string {
  return authorityFirst([...ids].reverse());
}
