"""The demo storefront at ``/demo/``: a few shop pages that embed the widget."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from chat_server.admin import sites
from chat_server.config.assets import asset_dir

DEMO_SITE_NAME = "Anadolu Butik (demo)"

PRODUCTS = [
    {
        "slug": "kirmizi-ayakkabi",
        "name": "Kırmızı Deri Ayakkabı",
        "price": "1.249,90",
        "description": "El yapımı, hakiki deri, kırmızı klasik ayakkabı.",
    },
    {
        "slug": "ipek-esarp",
        "name": "İpek Eşarp",
        "price": "649,00",
        "description": "Bursa ipeğinden, çini desenli eşarp.",
    },
    {
        "slug": "keten-gomlek",
        "name": "Keten Gömlek",
        "price": "899,50",
        "description": "Yazlık, nefes alan keten gömlek.",
    },
    {
        "slug": "bakir-cezve",
        "name": "Bakır Cezve",
        "price": "399,00",
        "description": "Dövme bakır, kalaylı Türk kahvesi cezvesi.",
    },
    {
        "slug": "kilim-yastik",
        "name": "Kilim Yastık",
        "price": "549,90",
        "description": "Eski kilimden el dikimi yastık kılıfı.",
    },
    {
        "slug": "zeytinyagi-sabun",
        "name": "Zeytinyağlı Sabun",
        "price": "89,90",
        "description": "Ayvalık'tan doğal zeytinyağlı sabun.",
    },
]

templates = Jinja2Templates(directory=str(asset_dir("widget") / "demo"))


async def _render(request: Request, name: str, **context: object) -> Response:
    site = await sites.site_by_name(request.app.state.runtime, DEMO_SITE_NAME)
    if site is None:
        return HTMLResponse(
            "<h1>No demo site yet</h1><p>Run <code>chat-server demo</code> first.</p>",
            status_code=404,
        )
    return templates.TemplateResponse(
        request,
        name,
        {"widget_src": "/widget.js", "site_key": site.key, "products": PRODUCTS, **context},
    )


async def home(request: Request) -> Response:
    return await _render(request, "index.html")


async def category(request: Request) -> Response:
    return await _render(request, "category.html")


async def product(request: Request) -> Response:
    found = next((p for p in PRODUCTS if p["slug"] == request.path_params["slug"]), None)
    if found is None:
        return HTMLResponse("Ürün bulunamadı", status_code=404)
    return await _render(request, "product.html", product=found)


async def search(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    words = q.casefold().split()
    results = [
        p
        for p in PRODUCTS
        if words and all(w in (p["name"] + " " + p["description"]).casefold() for w in words)
    ]
    return await _render(request, "search.html", q=q, results=results)


async def cart(request: Request) -> Response:
    return await _render(request, "cart.html")


routes = [
    Route("/", home),
    Route("/category", category),
    Route("/product/{slug}", product),
    Route("/search", search),
    Route("/cart", cart),
]
