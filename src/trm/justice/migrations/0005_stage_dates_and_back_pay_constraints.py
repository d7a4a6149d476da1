# The constraints of 0004 in a migration of their own: on PostgreSQL the rows its data steps
# updated are committed before the table is altered to check them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('justice', '0004_stage_dates_and_back_pay'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('wages_owed__isnull', True), models.Q(('wages_owed__gte', 0), ('wages_owed__lte', models.F('amount_claimed'))), _connector='OR'), name='claim_wages_within_claimed'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('wages_from__isnull', True), ('wages_to__isnull', True), ('wages_to__gte', models.F('wages_from')), _connector='OR'), name='claim_wages_period_in_order'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'back_pay'), _negated=True), ('includes_back_pay', True), _connector='OR'), name='claim_back_pay_kind_flagged'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('includes_back_pay', True), models.Q(('wages_owed__isnull', True), ('wages_from__isnull', True), ('wages_to__isnull', True)), _connector='OR'), name='claim_wages_only_with_back_pay'),
        ),
        migrations.AddConstraint(
            model_name='proceeding',
            constraint=models.CheckConstraint(condition=models.Q(('stage_changed_on__isnull', True), ('stage_changed_on__gte', models.F('opened_on')), _connector='OR'), name='proceeding_step_after_opening', violation_error_message='A step cannot be dated before the proceedings opened.'),
        ),
    ]
