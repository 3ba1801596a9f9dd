/* The patients' ages of a sheet as the form reads them live: what the published sheet will
 * show, or what the server will refuse, in its words.
 *
 * It mirrors catalog.schemas.UnitSheetSchema (age_min, age_max, both or neither, minimum ≤
 * maximum) and query_api.web.pages.patients_text; both run the cases of
 * tests/vectors/ages.json (tests/test_ages_vectors.py, tests/test_browser_ages.py), so the
 * live summary cannot say what the server would not: never « de 60 à 10 ans ».
 */
const AGE_MIN = 0;
const AGE_MAX = 120;            // also the age_max meaning "no upper limit"
const CHILD_AGE_LIMIT = 18;     // under 18 = E (enfants), indexer/documents.py
const INTEGER_RE = /^[+-]?[0-9]{1,18}$/;
const WORDS = {
  age_min: { name: "L'âge minimum", other: "Indiquez aussi l'âge minimum des patients accueillis." },
  age_max: { name: "L'âge maximum", other: "Indiquez aussi l'âge maximum des patients accueillis." },
};
export const INVERTED = "L'âge maximum doit être supérieur ou égal à l'âge minimum.";

/* One box: {value: number|null} or {error}. */
function readAge(text, field) {
  const typed = String(text === null || text === undefined ? "" : text).trim();
  if (!typed) { return { value: null }; }
  if (!INTEGER_RE.test(typed)) { return { error: `${WORDS[field].name} doit être un nombre entier d'années.` }; }
  const value = parseInt(typed, 10);
  if (value < AGE_MIN || value > AGE_MAX) {
    return { error: `${WORDS[field].name} doit être compris entre ${AGE_MIN} et ${AGE_MAX} ans.` };
  }
  return { value };
}

function patientsText(low, high, flags) {
  const who = { "E,A": "Enfants et adultes", E: "Enfants", A: "Adultes" }[flags.join(",")];
  let ages;
  if (low <= 0 && high >= AGE_MAX) { ages = "tous âges"; }
  else if (high >= AGE_MAX) { ages = `à partir de ${low} ans`; }
  else if (low <= 0) { ages = `jusqu'à ${high} ans`; }
  else { ages = `de ${low} à ${high} ans`; }
  return who ? `${who} (${ages})` : ages.charAt(0).toUpperCase() + ages.slice(1);
}

/* ("60", "10") → {errors: [{field: "age_max", message: INVERTED}]};
 * ("18", "120") → {shown: "Adultes (à partir de 18 ans)", flags: ["A"]}; ("", "") → {shown: null, flags: []}. */
export function readAges(minText, maxText) {
  const low = readAge(minText, "age_min");
  const high = readAge(maxText, "age_max");
  const errors = [];
  if (low.error) { errors.push({ field: "age_min", message: low.error }); }
  if (high.error) { errors.push({ field: "age_max", message: high.error }); }
  const hasLow = !low.error && low.value !== null;
  const hasHigh = !high.error && high.value !== null;
  // A value refused already has its message: no second one (as the server).
  if (hasLow && !hasHigh && !high.error) { errors.push({ field: "age_max", message: WORDS.age_max.other }); }
  if (hasHigh && !hasLow && !low.error) { errors.push({ field: "age_min", message: WORDS.age_min.other }); }
  if (hasLow && hasHigh && low.value > high.value) { errors.push({ field: "age_max", message: INVERTED }); }
  if (errors.length) { return { errors }; }
  if (!hasLow) { return { shown: null, flags: [] }; }
  const flags = [];
  if (low.value < CHILD_AGE_LIMIT) { flags.push("E"); }
  if (high.value >= CHILD_AGE_LIMIT) { flags.push("A"); }
  return { shown: patientsText(low.value, high.value, flags), flags };
}
