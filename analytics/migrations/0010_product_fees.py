"""The fees of product sales (products.ProductSale.fee) per customer per day and month, and
in the branch and broker roll-ups: a fourth source of contribution. Existing rows read 0
until their days are computed again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("analytics", "0008_team_figures_and_company_rank")]

    operations = [
        migrations.AddField(
            model_name="customerday",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
        migrations.AddField(
            model_name="customermonth",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
        migrations.AddField(
            model_name="branchday",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
        migrations.AddField(
            model_name="brokerday",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
        migrations.AddField(
            model_name="branchmonth",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
        migrations.AddField(
            model_name="brokermonth",
            name="product_fees",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=20,
                verbose_name="product-sale fees",
            ),
        ),
    ]
