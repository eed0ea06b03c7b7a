// Browser tests of the storefront in headless Chromium, with an accessibility scan (axe,
// WCAG 2 A/AA) of every page visited: search, use a facet, open a product, check its
// certificate, add it to the cart, check out paying by VietQR, and the seller area (a listing, an
// order confirmed, a product pinned on the live show while another browser watches the live
// page, its sales) as the demo seller, the modern-trade indicator and an outlet's storefront
// search. Exit 1 on any failure or on a serious or critical violation.
// Usage: node storefront.mjs http://127.0.0.1:8080 [/outlets/{slug}]
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failures = 0;
const fail = (what) => { failures += 1; console.log(`FAIL ${what}`); };
const check = (ok, what) => { if (ok) console.log(`ok   ${what}`); else fail(what); };

async function scan(page, name) {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations) {
    console.log(`     axe ${v.impact} ${v.id} on ${name}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }
  check(bad.length === 0, `accessibility of ${name} (no serious or critical violations)`);
}

// A small phone: nothing may be wider than the screen.
async function fitsPhone(context, path) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(base + path);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `${path} fits a 360 px screen (overflow ${overflow} px)`);
  await page.close();
}

const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
const page = await context.newPage();

// Home, then search from the header box, without diacritics.
await page.goto(base + '/');
check((await page.title()).includes('OCOP'), 'home page title');
// Every demo product has the drawn picture of its product set, loaded for real.
const cardImages = page.locator('.card img.card-img');
check(await cardImages.count() >= 24, 'the home page cards show pictures');
check(await cardImages.first().evaluate(img => img.complete && img.naturalWidth > 0 ? true : new Promise(ok => { img.loading = 'eager'; img.onload = () => ok(img.naturalWidth > 0); img.onerror = () => ok(false); })), 'a card picture loads');
await scan(page, 'home');
// With the script, the search box is a combobox offering suggestions as one types:
// the arrow keys choose one, Enter opens it, and the list is axe-clean while open.
const box = page.getByRole('combobox', { name: 'Tìm sản phẩm' });
await box.pressSequentially('mật o', { delay: 40 });
const options = page.getByRole('option');
await options.first().waitFor({ timeout: 5000 }).catch(() => {});
check(await options.count() > 0, `typing "mật o" shows suggestions (${await options.count()})`);
check((await options.first().textContent()).includes('Mật ong'), 'the first suggestion is the kind "Mật ong"');
await scan(page, 'home with suggestions open');
await box.press('ArrowDown');
check(await box.getAttribute('aria-activedescendant') !== null, 'ArrowDown selects a suggestion');
await box.press('Enter');
await page.waitForURL(/\/search\?q=M/);
check(new URL(page.url()).searchParams.get('q') === 'Mật ong', `Enter opens the chosen suggestion (${page.url()})`);
await page.goto(base + '/');
const header = page.getByRole('combobox', { name: 'Tìm sản phẩm' });
await header.fill('tra');
await page.getByRole('option').first().waitFor({ timeout: 5000 });
await header.press('Escape');
check(await header.getAttribute('aria-expanded') === 'false' && await header.inputValue() === 'tra', 'Escape closes the suggestions and keeps the text');
await page.getByRole('button', { name: 'Tìm', exact: true }).first().click();
await page.waitForURL(/\/search\?q=tra/);
const total = async () => Number((await page.locator('.results .lead').textContent()).match(/\d+/)[0]);
const before = await total();
check(before > 0, `search "tra" finds products (${before})`);
await scan(page, 'search results');

// A facet link narrows the results, and shows as selected.
const facet = page.locator('.facets a:not(.selected)').first();
const label = (await facet.textContent()).trim();
await facet.click();
await page.waitForLoadState();
const after = await total();
check(after > 0 && after <= before, `facet "${label}" narrows ${before} → ${after}`);
check(await page.locator('.facets a.selected').count() >= 1, 'the chosen facet is marked selected');
await scan(page, 'search with a facet');

// Open a product in stock; its certificate panel links to the public verification page.
const cards = page.locator('.results .card a');
let opened = false;
for (let i = 0; i < Math.min(await cards.count(), 8) && !opened; i += 1) {
  await cards.nth(i).click();
  await page.waitForURL(/\/products\//);
  opened = (await page.getByRole('button', { name: 'Thêm vào giỏ' }).count()) > 0;
  if (!opened) await page.goBack();
}
check(opened, 'found a product in stock');
const productUrl = page.url();
check(await page.getByRole('heading', { name: 'Giấy chứng nhận OCOP' }).isVisible(), 'product page shows the certificate panel');
check((await page.locator('.price').first().textContent()).includes('₫'), 'price in đồng');
await scan(page, 'product page');

// Add it to the cart, as a guest, and go to checkout.
const title = (await page.locator('h1').textContent()).trim();
await page.getByLabel('Số lượng').fill('2');
await page.getByRole('button', { name: 'Thêm vào giỏ' }).click();
await page.waitForURL(/\/cart$/);
check(await page.getByRole('link', { name: title }).isVisible(), 'the product is in the cart');
await scan(page, 'cart');
// A voucher code that does not exist is refused with its name, and the cart stays as it was.
await page.locator('#voucher-code').fill('khongco');
await page.getByRole('button', { name: 'Áp dụng' }).click();
await page.waitForLoadState();
check(await page.getByText('Không có mã giảm giá “KHONGCO”').isVisible(), 'an unknown voucher code is refused with why');
await scan(page, 'cart with a refused voucher code');
await page.getByRole('link', { name: 'Đặt hàng' }).click();
await page.waitForURL(/\/checkout$/);
check(await page.getByLabel('Số điện thoại').isVisible(), 'checkout asks for the address');
await scan(page, 'checkout');
// Pay by VietQR transfer: the order page shows the code to scan for the seller's account.
await page.getByLabel('Họ tên người nhận').fill('Nguyễn Thị Lan');
await page.getByLabel('E-mail').fill('lan@example.vn');
await page.getByLabel('Số điện thoại').fill('0912 345 678');
await page.getByLabel('Tỉnh, thành phố').selectOption('ha-noi');
await page.getByLabel('Xã, phường, đặc khu').fill('phường Hoàn Kiếm');
await page.getByLabel('Số nhà, đường, thôn, ấp').fill('12 phố Hàng Bạc');
// The delivery fee, worked out for this address before paying.
await page.getByRole('button', { name: 'Tính phí vận chuyển' }).click();
await page.waitForURL(/\/checkout\/address$/);
check(await page.getByText('Tổng thanh toán').isVisible(), 'checkout shows the fee and the total to pay');
await scan(page, 'checkout with shipping fees');
await page.getByLabel('Chuyển khoản ngân hàng bằng mã VietQR').check();
await page.getByRole('button', { name: 'Đặt hàng' }).click();
await page.waitForURL(/\/orders\/OV-/);
check(await page.getByRole('img', { name: /Mã VietQR/ }).isVisible(), 'the order page shows the VietQR code');
check(await page.getByText('Nội dung chuyển khoản').isVisible(), 'with the transfer message');
await scan(page, 'order page with VietQR');

await page.goto(productUrl);
await page.getByRole('link', { name: 'Tra cứu giấy chứng nhận này' }).click();
await page.waitForURL(/\/verify\//);
check(await page.locator('.verdict-valid').isVisible(), 'verification page says the certificate is valid');
await scan(page, 'certificate verification');

// Signed in as the demo seller: the seller area and a listing's edit page.
await page.goto(base + '/account/login');
await page.getByLabel('E-mail').fill('nguoiban@ocop.demo');
await page.getByLabel('Mật khẩu').fill('demo-nguoiban-2026');
await page.getByRole('button', { name: 'Đăng nhập' }).click();
await page.goto(base + '/seller');
check(await page.getByRole('heading', { name: 'Khu vực người bán' }).isVisible(), 'seller area');
await scan(page, 'seller area');
await page.locator('a[href^="/seller/listings/"]').first().click();
await page.waitForURL(/\/seller\/listings\//);
check(await page.getByText('Thông tin từ Hệ thống OCOP').isVisible(), 'listing edit page shows registry data read-only');
await scan(page, 'listing edit page');
// The seller's delivery settings: pick-up address, rates, carrier.
await page.goto(base + '/seller/shipping');
check(await page.getByRole('heading', { name: /^Vận chuyển của/ }).isVisible(), 'seller shipping settings');
await scan(page, 'seller shipping settings');
// The seller's orders: open one waiting for confirmation and confirm it.
await page.goto(base + '/seller/orders?state=placed');
await scan(page, 'seller orders');
await page.locator('a[href^="/seller/orders/"]').first().click();
await page.waitForURL(/\/seller\/orders\/[0-9a-f-]{36}$/);
await scan(page, 'seller order');
await page.getByRole('button', { name: 'Xác nhận đơn' }).click();
await page.waitForURL(/\/seller\/orders\/[0-9a-f-]{36}$/);
check(await page.locator('dd strong', { hasText: 'Đã xác nhận' }).isVisible(), 'the seller confirmed the order');

// A live page open in one browser; the seller pins another product from a second session;
// the page shows it without reloading (server-sent events).
const viewerContext = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'vi-VN' });
const viewer = await viewerContext.newPage();
await viewer.goto(base + '/');
await viewer.locator('a[href^="/live/"]').first().click();
await viewer.waitForURL(/\/live\/\d+$/);
await scan(viewer, 'live page');
await page.goto(base + '/seller/live');
await page.locator('a[href^="/seller/live/"]').first().click();
await page.waitForURL(/\/seller\/live\/[0-9a-f-]{36}$/);
await scan(page, 'seller live show');
const row = page.locator('tr', { has: page.getByRole('button', { name: 'Ghim', exact: true }) }).first();
const nextTitle = (await row.locator('td').first().textContent()).trim();
await row.getByRole('button', { name: 'Ghim', exact: true }).click();
await page.waitForURL(/\/seller\/live\/[0-9a-f-]{36}$/);
try {
  await viewer.locator('#pinned h2', { hasText: nextTitle }).waitFor({ timeout: 3000 });
  check(true, `the open live page shows the newly pinned "${nextTitle}" without reloading`);
} catch {
  check(false, `the open live page shows the newly pinned "${nextTitle}" without reloading`);
}
await viewerContext.close();

// The seller's sales: a chart and the table by product.
await page.goto(base + '/seller/sales');
check(await page.locator('svg.chart').count() === 1, 'the seller sales page has a chart');
check(await page.locator('table tbody tr').count() > 1, 'the seller sales page lists products');
await scan(page, 'seller sales');
// The seller's statement: this month's card sale in its ledger.
await page.goto(base + '/seller/statement');
check(await page.locator('table tbody tr').count() >= 1, 'the seller statement lists this month\'s card sale');
await scan(page, 'seller statement');
// A delivered order with the shopper's return waiting: its photo and the seller's two answers.
await page.goto(base + '/seller/orders?state=delivered');
const delivered = (await page.locator('a[href^="/seller/orders/"]').evaluateAll(
  (links) => links.map((a) => a.getAttribute('href')),
)).filter((href) => /^\/seller\/orders\/[0-9a-f-]{36}$/.test(href));
let returnShown = false;
for (const href of delivered) {
  await page.goto(base + href);
  if (await page.getByRole('heading', { name: 'Trả hàng của người mua' }).count() > 0) {
    returnShown = true;
    break;
  }
}
check(returnShown, 'a delivered order shows the shopper\'s return');
check(await page.locator('.return-photos img').count() >= 1, 'with the shopper\'s photo');
check(await page.getByRole('button', { name: 'Chấp nhận trả hàng và hoàn tiền' }).isVisible(), 'and the seller\'s answers');
await scan(page, 'seller order with a return');
// The seller's reviews: the demo review with its reply, then its product page.
await page.goto(base + '/seller/reviews');
check(await page.locator('article.review').count() >= 1, 'the seller sees the review of its product');
await scan(page, 'seller reviews');
await page.locator('article.review a[href^="/products/"]').first().click();
await page.waitForURL(/\/products\//);
check(await page.getByRole('heading', { name: /Đánh giá của người mua \(\d+\)/ }).isVisible(), 'the product page shows its reviews');
check(await page.locator('#quality form').count() === 1, 'and the quality report form for the signed in');
check(await page.locator('meter').count() === 5, 'with the distribution by stars');
await scan(page, 'product page with a review');
// The officers' question about a label waits for the seller's answer.
await page.goto(base + '/seller/quality');
check(await page.getByRole('button', { name: 'Gửi câu trả lời' }).count() === 1, 'the seller can answer the officers\' question');
await scan(page, 'seller quality questions');
// The seller's producer page: the editor, then the public page with its story and photo.
await page.goto(base + '/seller/producer');
await scan(page, 'producer page editor');
await page.getByRole('link', { name: 'Xem trang nhà sản xuất' }).click();
await page.waitForURL(/\/producers\//);
check(await page.getByRole('heading', { name: 'Câu chuyện' }).isVisible(), 'the producer page tells its story');
check(await page.locator('.producer-photos img').count() === 1, 'with the producer\'s photo');
await scan(page, 'producer page');

// The public indicator: the national share and the chart against the target.
await page.goto(base + '/indicators/modern-trade');
check(/\d+,\d %/.test(await page.locator('.big-figure').textContent()), 'the national share is shown');
const shareCharts = await page.locator('svg.share-chart').count();
check(shareCharts === 2, 'a chart by quarter and a chart by province');
check(await page.locator('svg.chart line[stroke-dasharray]').count() === shareCharts, 'each chart draws the 50 % line');
await scan(page, 'modern-trade indicator');

// An outlet's storefront (its path is the second argument) searches its own products and
// stays on the outlet.
const outletPath = process.argv[3];
if (outletPath) {
  await page.goto(base + outletPath);
  const shown = await page.locator('.results .card').count();
  await page.locator('.search-form button[type=submit]').click();
  await page.waitForLoadState();
  check(page.url().startsWith(base + outletPath + '?'), `the outlet's search stays on ${outletPath}`);
  check(shown > 0 && (await page.locator('.results .card').count()) === shown, `the outlet shows its ${shown} products`);
  await scan(page, 'outlet storefront');
  await fitsPhone(context, outletPath);
}

for (const path of ['/', '/search?q=mat%20ong', '/provinces/tuyen-quang', '/regions/mekong-delta', '/indicators/modern-trade']) {
  await fitsPhone(context, path);
}

// English through the header link, remembered across pages, and back.
await page.goto(base + '/');
await page.getByRole('link', { name: 'English' }).click();
check(await page.getByRole('heading', { name: 'The OCOP marketplace' }).isVisible(), 'English home page');
await scan(page, 'English home');
await page.goto(base + '/search?q=honey');
check(await page.getByRole('heading', { name: 'Search OCOP products' }).isVisible(), 'English stays on the next page');
await page.getByRole('link', { name: 'Tiếng Việt' }).click();
check(await page.getByRole('heading', { name: 'Tìm sản phẩm OCOP' }).isVisible(), 'back to Vietnamese');

await browser.close();
console.log(failures ? `${failures} browser check(s) failed` : 'browser checks passed');
process.exit(failures ? 1 : 0);
