// A deterministic English-like training corpus for the synthetic BPE
// vocabularies: Zipf-weighted common words, some invented words built from
// English syllables, punctuation, numbers, contractions and dialogue. It only
// has to look like English statistically so that the learned merges (" the",
// "ing", "tion", ...) resemble a real tokenizer's.

import { Rng } from './prng';

const WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by ' +
  'word but what some we can out other were all there when up use your how said an each she which do their time ' +
  'if will way about many then them write would like so these her long make thing see him two has look more day ' +
  'could go come did number sound no most people my over know water than call first who may down side been now ' +
  'find any new work part take get place made live where after back little only round man year came show every ' +
  'good me give our under name very through just form sentence great think say help low line differ turn cause ' +
  'much mean before move right boy old too same tell does set three want air well also play small end put home ' +
  'read hand port large spell add even land here must big high such follow act why ask men change went light ' +
  'kind off need house picture try us again animal point mother world near build self earth father head stand ' +
  'own page should country found answer school grow study still learn plant cover food sun four between state ' +
  'keep eye never last let thought city tree cross farm hard start might story saw far sea draw left late run ' +
  'while press close night real life few north open seem together next white children begin got walk example ' +
  'ease paper group always music those both mark often letter until mile river car feet care second book carry ' +
  'took science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face ' +
  'wood main enough plain girl usual young ready above ever red list though feel talk bird soon body dog family ' +
  'direct pose leave song measure door product black short numeral class wind question happen complete ship ' +
  'area half rock order fire south problem piece told knew pass since top whole king space heard best hour ' +
  'better true during hundred five remember step early hold west ground interest reach fast verb sing listen ' +
  'six table travel less morning ten simple several vowel toward war lay against pattern slow center love ' +
  'person money serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly ' +
  'fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done beauty ' +
  'drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special ' +
  'mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object ' +
  'decide surface deep moon island foot system busy test record boat common gold possible plane stead dry ' +
  'wonder laugh thousand ago ran check game shape equate miss brought heat snow tire bring yes distant fill ' +
  'east paint language among model token server request quantize matrix vector layer tensor engine cluster'
).split(' ');

const SUFFIXES = ['s', 'ed', 'ing', 'er', 'ly', 'tion', 'ness', 'ment', 'able', 'est'];
const ONSETS = ['b', 'br', 'c', 'ch', 'cl', 'd', 'dr', 'f', 'fl', 'g', 'gr', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'pl', 'pr', 'qu', 'r', 's', 'sh', 'st', 't', 'th', 'tr', 'v', 'w', 'wh', 'y', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ee', 'ou', 'oo', 'ie', 'y'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'nd', 'st', 'ng', 'ck', 'm', 'rt', 'nt', 'ss', 'th'];
const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'London', 'Paris', 'Monday', 'July', 'English', 'Tessera'];
const CONTRACTIONS = ["don't", "it's", "I'm", "you're", "we'll", "can't", "they've", "he'd", "isn't", "that's"];

/** Picks index i with probability proportional to 1 / (i + 2): roughly Zipf. */
function zipf(rng: Rng, n: number, norm: number): number {
  let u = rng.next() * norm;
  for (let i = 0; i < n; i++) {
    u -= 1 / (i + 2);
    if (u <= 0) return i;
  }
  return n - 1;
}

function inventedWord(rng: Rng): string {
  let w = '';
  const syllables = 1 + rng.int(3);
  for (let s = 0; s < syllables; s++) w += ONSETS[rng.int(ONSETS.length)] + VOWELS[rng.int(VOWELS.length)] + CODAS[rng.int(CODAS.length)];
  return w;
}

const INVENTED_POOL = 600;

function word(rng: Rng, norm: number, invented: string[]): string {
  const r = rng.next();
  if (r < 0.75) {
    const w = WORDS[zipf(rng, WORDS.length, norm)];
    return rng.next() < 0.12 ? w + SUFFIXES[rng.int(SUFFIXES.length)] : w;
  }
  if (r < 0.85) return invented[Math.floor(rng.next() * rng.next() * invented.length)];
  if (r < 0.9) return NAMES[rng.int(NAMES.length)];
  if (r < 0.95) return CONTRACTIONS[rng.int(CONTRACTIONS.length)];
  return String(rng.next() < 0.5 ? rng.int(100) : 1900 + rng.int(130));
}

function sentence(rng: Rng, norm: number, invented: string[]): string {
  const n = 4 + rng.int(12);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = word(rng, norm, invented);
    if (i === 0) w = w[0].toUpperCase() + w.slice(1);
    if (i < n - 1 && rng.next() < 0.08) w += ',';
    words.push(w);
  }
  const end = rng.next();
  const s = words.join(' ') + (end < 0.8 ? '.' : end < 0.9 ? '?' : '!');
  return rng.next() < 0.1 ? `"${s}" said ${NAMES[rng.int(4)]}.` : s;
}

/** About `chars` characters of text, identical for identical (chars, seed). */
export function generateCorpus(chars: number, seed: number): string {
  const rng = new Rng(seed ^ 0x5eed);
  let norm = 0;
  for (let i = 0; i < WORDS.length; i++) norm += 1 / (i + 2);
  // A fixed pool of invented words, drawn with a skew towards the first ones,
  // so they recur like real rare words instead of each appearing once.
  const invented = Array.from({ length: INVENTED_POOL }, () => inventedWord(rng));
  const parts: string[] = [];
  let len = 0;
  while (len < chars) {
    const para: string[] = [];
    const n = 2 + rng.int(5);
    for (let i = 0; i < n; i++) para.push(sentence(rng, norm, invented));
    const p = para.join(' ');
    parts.push(p);
    len += p.length + 2;
  }
  return parts.join('\n\n');
}
