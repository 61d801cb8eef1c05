"""Demo data for `make up`: a small category tree and 104 active products with 1-4 SKUs each,
prices in EUR and a few explicit per-currency prices. Idempotent (categories and products are
looked up by slug, so a second run changes nothing) and deterministic (no randomness: every
number below is derived from the product's position).

Creating the products goes through the same service as the API, so each one is announced as
`product.created.v1` through the outbox: inventory creates stock records and search indexes
them once the running service's relay publishes the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from shopkit.cache import JsonCache, RedisConnection
from shopkit.db import sqlalchemy_config

from product_service.config import Settings
from product_service.db import models
from product_service.domain.catalog import CategoryService, CurrencyService, ProductService
from product_service.domain.catalog._http import CatalogCache
from product_service.domain.catalog.schemas import (
    CategoryCreate,
    MoneyIn,
    ProductCreate,
    VariantIn,
)
from product_service.domain.catalog.services import slugify

DEMO_RATES = {"EUR": "1", "USD": "1.08", "GBP": "0.85", "JPY": "162"}

TREE: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("audio", "Audio"): [("headphones", "Headphones"), ("speakers", "Speakers")],
    ("computing", "Computing"): [("laptops", "Laptops"), ("accessories", "Accessories")],
    ("home", "Home"): [("kitchen", "Kitchen"), ("lighting", "Lighting")],
    ("apparel", "Apparel"): [("shoes", "Shoes"), ("t-shirts", "T-shirts")],
}


@dataclass(frozen=True)
class Leaf:
    """How one leaf category's demo products look: what varies between SKUs and what it costs."""

    code: str
    blurb: str
    option: str
    values: tuple[str, ...]
    step: int  # extra cents per step along the option (0: every SKU costs the same)
    attributes: tuple[tuple[str, str], ...]
    products: tuple[tuple[str, str, int], ...]  # brand, name, base price in cents


LEAVES: dict[str, Leaf] = {
    "headphones": Leaf(
        "HP",
        "Immersive sound with all-day comfort.",
        "colour",
        ("Black", "Silver", "Midnight Blue"),
        0,
        (("connectivity", "Bluetooth 5.3"), ("battery_life", "30 h")),
        (
            ("Sony", "Sony WH-1000XM5 Wireless Headphones", 37999),
            ("Bose", "Bose QuietComfort Ultra Wireless Headphones", 44995),
            ("Sennheiser", "Sennheiser Momentum 4 Wireless Headphones", 29999),
            ("JBL", "JBL Tune 770NC Wireless Headphones", 9999),
            ("Apple", "Apple AirPods Max Wireless Headphones", 57900),
            ("Beats", "Beats Studio Pro Wireless Headphones", 34995),
            ("Anker", "Soundcore Space Q45 Wireless Headphones", 12999),
            ("Audio-Technica", "Audio-Technica ATH-M50xBT2 Wireless Headphones", 19900),
            ("Sony", "Sony WF-1000XM5 Wireless Earbuds", 29999),
            ("Jabra", "Jabra Elite 10 Wireless Earbuds", 24999),
            ("Sennheiser", "Sennheiser HD 660S2 Open-Back Headphones", 54900),
            ("Beyerdynamic", "Beyerdynamic DT 770 Pro Studio Headphones", 15900),
            ("Marshall", "Marshall Major V Wireless Headphones", 14999),
        ),
    ),
    "speakers": Leaf(
        "SP",
        "Room-filling sound in a compact body.",
        "colour",
        ("Black", "White", "Forest Green"),
        0,
        (("connectivity", "Wi-Fi and Bluetooth"), ("water_resistance", "IP67")),
        (
            ("Sonos", "Sonos Era 100 Smart Speaker", 27900),
            ("Sonos", "Sonos Move 2 Portable Speaker", 49900),
            ("JBL", "JBL Flip 6 Bluetooth Speaker", 12999),
            ("JBL", "JBL Charge 5 Bluetooth Speaker", 17999),
            ("Bose", "Bose SoundLink Flex Bluetooth Speaker", 14995),
            ("Ultimate Ears", "Ultimate Ears Boom 3 Wireless Speaker", 14999),
            ("Marshall", "Marshall Emberton II Portable Speaker", 16999),
            ("Bang & Olufsen", "Beosound A1 2nd Gen Wireless Speaker", 29900),
            ("Anker", "Soundcore Motion 300 Wireless Speaker", 7999),
            ("Harman Kardon", "Harman Kardon Aura Studio 4 Speaker", 29999),
            ("Sony", "Sony ULT Field 1 Wireless Speaker", 12999),
            ("Teufel", "Teufel Boomster Go Portable Speaker", 14999),
            ("Bose", "Bose Smart Soundbar 600", 49995),
        ),
    ),
    "laptops": Leaf(
        "LT",
        "Fast, light and ready for work and play.",
        "memory",
        ("16 GB", "32 GB", "64 GB"),
        20000,
        (("display", "14-inch"), ("warranty", "2 years")),
        (
            ("Apple", "Apple MacBook Air 13 M3", 129900),
            ("Apple", "Apple MacBook Pro 14 M3 Pro", 239900),
            ("Dell", "Dell XPS 13 Laptop", 134900),
            ("Lenovo", "Lenovo ThinkPad X1 Carbon Gen 12", 189900),
            ("HP", "HP Spectre x360 14 Laptop", 164900),
            ("ASUS", "ASUS Zenbook 14 OLED Laptop", 109900),
            ("Microsoft", "Microsoft Surface Laptop 7", 149900),
            ("Acer", "Acer Swift Go 14 Laptop", 89900),
            ("Framework", "Framework Laptop 13", 119900),
            ("Razer", "Razer Blade 14 Gaming Laptop", 249900),
            ("LG", "LG gram 16 Laptop", 139900),
            ("Samsung", "Samsung Galaxy Book4 Pro", 159900),
            ("Lenovo", "Lenovo Yoga Slim 7i Laptop", 119900),
        ),
    ),
    "accessories": Leaf(
        "AC",
        "The finishing touch for your desk setup.",
        "colour",
        ("Graphite", "Pale Grey", "Rose"),
        0,
        (("compatibility", "Windows, macOS, Linux"),),
        (
            ("Logitech", "Logitech MX Master 3S Wireless Mouse", 10999),
            ("Logitech", "Logitech MX Keys S Wireless Keyboard", 12999),
            ("Apple", "Apple Magic Trackpad", 14900),
            ("Anker", "Anker 737 USB-C Charger 120W", 8999),
            ("Keychron", "Keychron K2 Mechanical Keyboard", 8999),
            ("Razer", "Razer DeathAdder V3 Gaming Mouse", 8999),
            ("Samsung", "Samsung T7 Portable SSD 1 TB", 11999),
            ("SanDisk", "SanDisk Extreme Pro SD Card 128 GB", 3999),
            ("Belkin", "Belkin Thunderbolt 4 Dock Pro", 39999),
            ("Dell", "Dell UltraSharp 27 4K USB-C Monitor", 62999),
            ("Twelve South", "Twelve South Curve Laptop Stand", 5999),
            ("Logitech", "Logitech Brio 4K Webcam", 19999),
            ("Elgato", "Elgato Wave:3 USB Microphone", 14999),
        ),
    ),
    "kitchen": Leaf(
        "KI",
        "Built to make everyday cooking easier.",
        "colour",
        ("Stainless Steel", "Matte Black", "Cream"),
        1000,
        (("warranty", "2 years"), ("dishwasher_safe", "yes")),
        (
            ("De'Longhi", "De'Longhi Magnifica Evo Espresso Machine", 49999),
            ("Breville", "Breville Barista Express Espresso Machine", 69999),
            ("KitchenAid", "KitchenAid Artisan Stand Mixer", 59900),
            ("Le Creuset", "Le Creuset Cast Iron Casserole 24 cm", 32900),
            ("Ninja", "Ninja Foodi Dual Zone Air Fryer", 19999),
            ("Smeg", "Smeg 50's Style Electric Kettle", 16999),
            ("Vitamix", "Vitamix E310 Explorian Blender", 44900),
            ("Zwilling", "Zwilling Pro Chef's Knife 20 cm", 11995),
            ("Bialetti", "Bialetti Moka Express 6 Cup", 3499),
            ("Fellow", "Fellow Stagg EKG Electric Kettle", 19900),
            ("Tefal", "Tefal Ingenio Pan Set 10 Pieces", 14999),
            ("Nespresso", "Nespresso Vertuo Pop Coffee Machine", 9999),
            ("OXO", "OXO Good Grips Salad Spinner", 3499),
        ),
    ),
    "lighting": Leaf(
        "LI",
        "Light that sets the mood in every room.",
        "colour_temperature",
        ("Warm White", "Neutral White", "Daylight"),
        0,
        (("bulb_base", "E27"), ("smart", "yes")),
        (
            ("Philips Hue", "Philips Hue White and Colour Starter Kit", 19999),
            ("Philips Hue", "Philips Hue Go Portable Light", 8999),
            ("IKEA", "IKEA TRADFRI Smart Bulb E27", 1299),
            ("Nanoleaf", "Nanoleaf Shapes Hexagons Kit", 19999),
            ("LIFX", "LIFX Colour A60 Smart Bulb", 4999),
            ("Artemide", "Artemide Tolomeo Desk Lamp", 32500),
            ("Flos", "Flos IC Lights T1 Table Lamp", 59500),
            ("Louis Poulsen", "Louis Poulsen PH 5 Pendant", 89900),
            ("Govee", "Govee RGBIC LED Strip 10 m", 4999),
            ("BenQ", "BenQ ScreenBar Halo Monitor Light", 17900),
            ("Muuto", "Muuto Ambit Pendant Lamp", 24900),
            ("HAY", "HAY PC Portable Lamp", 12900),
            ("Philips", "Philips Hue Signe Floor Lamp", 29999),
        ),
    ),
    "shoes": Leaf(
        "SH",
        "Comfort for every step, from the track to the street.",
        "size",
        ("40", "41", "42", "43"),
        0,
        (("material", "mesh and rubber"),),
        (
            ("Nike", "Nike Air Max 90 Sneakers", 14999),
            ("Nike", "Nike Pegasus 41 Running Shoes", 13999),
            ("Adidas", "Adidas Ultraboost Light Running Shoes", 17999),
            ("Adidas", "Adidas Samba OG Sneakers", 11999),
            ("New Balance", "New Balance 990v6 Sneakers", 21999),
            ("ASICS", "ASICS Gel-Kayano 31 Running Shoes", 17999),
            ("Hoka", "Hoka Clifton 9 Running Shoes", 14999),
            ("Veja", "Veja Campo Leather Sneakers", 14500),
            ("Converse", "Converse Chuck Taylor All Star High", 7999),
            ("Vans", "Vans Old Skool Sneakers", 7499),
            ("Salomon", "Salomon XT-6 Trail Shoes", 18999),
            ("On", "On Cloudmonster Running Shoes", 16999),
            ("Dr. Martens", "Dr. Martens 1460 Leather Boots", 19900),
        ),
    ),
    "t-shirts": Leaf(
        "TS",
        "Soft organic cotton, cut for an easy fit.",
        "size",
        ("S", "M", "L", "XL"),
        0,
        (("material", "100% organic cotton"), ("care", "machine wash 30 °C")),
        (
            ("Patagonia", "Patagonia P-6 Logo Responsibili-Tee", 4500),
            ("Uniqlo", "Uniqlo U Crew Neck T-Shirt", 1990),
            ("Carhartt WIP", "Carhartt WIP Pocket T-Shirt", 3500),
            ("Levi's", "Levi's Original Housemark T-Shirt", 2999),
            ("Arket", "Arket Heavyweight T-Shirt", 3500),
            ("Sunspel", "Sunspel Classic Crew Neck T-Shirt", 8500),
            ("Champion", "Champion Reverse Weave T-Shirt", 3999),
            ("Nike", "Nike Dri-FIT Running T-Shirt", 3499),
            ("Adidas", "Adidas Trefoil T-Shirt", 2999),
            ("Armedangels", "Armedangels Jaames T-Shirt", 3990),
            ("Colorful Standard", "Colorful Standard Classic Organic Tee", 3900),
            ("The North Face", "The North Face Simple Dome T-Shirt", 3000),
            ("Stüssy", "Stüssy Basic Logo T-Shirt", 5000),
        ),
    ),
}


def _code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())[:4]


def _nice(amount: int, unit: int) -> int:
    """A shop price just under a round number: 40512 -> 40499 (unit 100), 6549 -> 6490."""
    return max(unit - 1, (amount + unit // 2) // unit * unit - (unit // 100 or 10))


def demo_products(category_ids: dict[str, object]) -> list[ProductCreate]:
    """Every demo product, in a fixed order; prices and SKU counts follow from positions."""
    products: list[ProductCreate] = []
    for slug, leaf in LEAVES.items():
        for index, (brand, name, price) in enumerate(leaf.products):
            count = min(len(leaf.values), 1 + index % 4)
            variants = []
            for step, value in enumerate(leaf.values[:count]):
                base = price + step * leaf.step
                explicit: dict[str, int] = {}
                if index % 5 == 0 and step == 0:  # a few SKUs carry hand-set prices
                    explicit = {
                        "USD": _nice(base * 108 // 100, 100),
                        "JPY": _nice(base * 162 // 100, 1000),
                    }
                variants.append(
                    VariantIn(
                        sku=f"{leaf.code}-{index + 1:03d}-{_code(value)}",
                        options={leaf.option: value},
                        base_price=MoneyIn(amount=base, currency="EUR"),
                        prices=explicit,
                    )
                )
            product_slug = slugify(name)
            products.append(
                ProductCreate(
                    name=name,
                    slug=product_slug,
                    category_id=category_ids[slug],  # type: ignore[arg-type]
                    brand=brand,
                    description=f"{name}. {leaf.blurb}",
                    status="active",
                    images=[
                        f"https://picsum.photos/seed/{product_slug}/800/800",
                        f"https://picsum.photos/seed/{product_slug}-2/800/800",
                    ],
                    attributes=dict(leaf.attributes),
                    variants=variants,
                )
            )
    return products


async def _ensure_categories(categories: CategoryService) -> dict[str, object]:
    tree = await categories.tree()
    ids: dict[str, object] = {slug: node.id for slug, node in tree.by_slug.items()}
    for (root_slug, root_name), children in TREE.items():
        if root_slug not in ids:
            ids[root_slug] = (
                await categories.create_category(CategoryCreate(name=root_name, slug=root_slug))
            ).id
        for slug, name in children:
            if slug not in ids:
                created = await categories.create_category(
                    CategoryCreate(name=name, slug=slug, parent_id=ids[root_slug])  # type: ignore[arg-type]
                )
                ids[slug] = created.id
    return ids


async def _ensure_currencies(currencies: CurrencyService) -> None:
    """The migration inserts them; only a missing one is added (a changed rate is kept)."""
    present = {row.code for row in await currencies.get_many()}
    for code, rate in DEMO_RATES.items():
        if code not in present:
            await currencies.create(
                models.Currency(code=code, rate=Decimal(rate), updated_at=datetime.now(UTC))
            )


async def load_demo_data(settings: Settings) -> str:
    database = sqlalchemy_config(settings.database)
    created = 0
    async with database.get_session() as session:
        await _ensure_currencies(CurrencyService(session=session))
        category_ids = await _ensure_categories(CategoryService(session=session))
        products = ProductService(session=session)
        for product in demo_products(category_ids):
            if not await products.exists(slug=product.slug):
                await products.create_product(product)
                created += 1
        await session.commit()
    await database.get_engine().dispose()
    if created:
        redis = RedisConnection(settings.redis)
        async with redis.lifespan():
            cache = JsonCache(redis.client, settings.catalog.cache_prefix)
            await CatalogCache(cache).invalidate()
    return f"{settings.service.name}: {created} demo products created"
