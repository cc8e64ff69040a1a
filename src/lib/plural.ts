/** `1 cell`, `2 cells`, `0 cells`: the count and the word, in the plural unless the count is 1. */
export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}
